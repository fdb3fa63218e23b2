//! A timeline (`ChromeTrace`) attached to a scheduler that already has tasks
//! records only what it saw: the tasks spawned before it are left out.

use std::time::Duration;

use crate::support::timeline::tracks;

#[test]
fn tasks_spawned_before_the_timeline_was_attached_are_left_out() {
    use std::cell::RefCell;
    use std::rc::Rc;
    use trampoline::observe::ChromeTrace;
    use trampoline::{Clock, Coroutine, Scheduler};

    fn leaf() -> Coroutine<()> {
        Coroutine::new(|_co| async { Ok(()) })
    }
    let early = Coroutine::new(|co| async move {
        co.sleep(Duration::from_secs(1)).await?;
        co.call(leaf()).await
    });
    let mut scheduler = Scheduler::with_clock(Clock::virtual_at_zero()).unwrap();
    // The first run leaves `early` asleep in the scheduler.
    let spawn_early = Coroutine::new(move |co| async move {
        co.spawn(early).await?;
        Ok(())
    });
    scheduler.run_until_complete(spawn_early).unwrap();
    let timeline = Rc::new(RefCell::new(ChromeTrace::new(Vec::new())));
    scheduler.observe(timeline.clone());
    let later = Coroutine::new(|co| async move {
        co.sleep(Duration::from_secs(2)).await?;
        co.call(leaf()).await
    });
    scheduler.run_until_complete(later).unwrap();
    let json = String::from_utf8(timeline.borrow_mut().finish().unwrap()).unwrap();
    let tracks = tracks(&json);
    assert_eq!(tracks[&3].begins, 2, "{json}");
    assert_eq!(tracks.get(&2).map_or(0, |t| t.begins), 0, "{json}");
}
