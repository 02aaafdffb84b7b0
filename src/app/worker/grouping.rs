//! Burst grouping for the GUI: one thread that answers the latest request only, so dragging
//! the similarity slider over a folder of 10,000 photos regroups as fast as it can without
//! a queue of stale runs building up.

use crossbeam_channel::{Receiver, unbounded};
use glia_engine::grouping::{best_of_groups, groups};

use super::{Event, GroupRequest, Grouped, Out, State, spawn};

impl State {
    pub(super) fn group(&mut self, request: GroupRequest) {
        let tx = self.grouper.get_or_insert_with(|| {
            let (tx, rx) = unbounded();
            let out = self.out.clone();
            spawn("glia-group", move || group_loop(&rx, &out));
            tx
        });
        let _ = tx.send(request);
    }
}

fn group_loop(requests: &Receiver<GroupRequest>, out: &Out) {
    while let Ok(mut request) = requests.recv() {
        // Only the newest request matters.
        while let Ok(newer) = requests.try_recv() {
            request = newer;
        }
        let found = groups(&request.embeddings, &request.times, &request.rule);
        let best = best_of_groups(&found, &request.scores);
        out.send(Event::Grouped(Grouped {
            generation: request.generation,
            stamp: request.stamp,
            groups: found,
            best,
        }));
    }
}
