//! A generated workload fed to a simulation as the run reaches its operations, and the actions
//! that wait for its last one: a run's actions given after its workload (the page refuses them
//! before, and holds them back the same way when it replays the run). `kvsim run --workload` and
//! a scenario file with a `workload` both run this way.

use crate::sim::action::TimedAction;
use crate::sim::simulation::Simulation;
use crate::sim::workload_spec::Operations;

pub struct WorkloadFeed {
    operations: Operations,
    /// Scheduled once the workload's last operation is.
    waiting: Vec<TimedAction>,
}

impl WorkloadFeed {
    pub fn new(operations: Operations, waiting: Vec<TimedAction>) -> WorkloadFeed {
        WorkloadFeed { operations, waiting }
    }

    /// Call before each step: schedules the operations due before `sim`'s next event (see
    /// `Operations::schedule_due`); once none is left, the waiting actions, a step after the last
    /// operation was scheduled (the page's `runBatch` stops there, and the page then schedules
    /// them). Returns whether operations are left.
    pub fn feed(&mut self, sim: &mut Simulation) -> Result<bool, String> {
        if self.operations.next_time().is_none() {
            for action in self.waiting.drain(..) {
                sim.schedule_action(action)?;
            }
            return Ok(false);
        }
        self.operations
            .schedule_due(sim.next_due(), |at, node, command| sim.schedule(at, node, command).map(|_| ()))?;
        Ok(self.operations.next_time().is_some())
    }
}
