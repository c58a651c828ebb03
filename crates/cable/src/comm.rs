//! The processes a network runs on: this process's rank, their number, and
//! the collective operations ParallelContext offers (NEURON's nrnmpi
//! layer). Every rank calls a collective at the same point of the program.
//! [`Serial`] is the one process of a run without MPI; an MPI build
//! supplies its own implementation.

/// How `allreduce` combines the ranks' values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduce {
    Sum,
    Max,
    Min,
}

pub trait Comm {
    fn rank(&self) -> usize;
    fn size(&self) -> usize;
    fn barrier(&self);
    /// Each element combined over the ranks, on every rank.
    fn allreduce(&self, x: &mut [f64], op: Reduce);
    /// Each element summed over the ranks into `root`'s `x` (the others'
    /// are left as they were).
    fn reduce_sum(&self, x: &mut [f64], root: usize);
    /// Every rank's `x` one after another in rank order into `out`, and
    /// how many numbers each rank gave into `counts` (both reused, so that
    /// an exchange in the time loop allocates nothing once they have grown).
    fn allgatherv_into(&self, x: &[f64], out: &mut Vec<f64>, counts: &mut Vec<usize>);
    /// Every rank's `x`, in rank order.
    fn allgatherv(&self, x: &[f64]) -> Vec<Vec<f64>> {
        let (mut flat, mut counts) = (Vec::new(), Vec::new());
        self.allgatherv_into(x, &mut flat, &mut counts);
        let mut at = 0;
        counts
            .iter()
            .map(|&c| {
                at += c;
                flat[at - c..at].to_vec()
            })
            .collect()
    }
    /// Rank r receives `send[offsets of counts[r]]` from every rank: the
    /// parts it receives, in rank order.
    fn alltoallv(&self, send: &[f64], counts: &[usize]) -> Vec<Vec<f64>>;
    /// `root`'s data, on every rank.
    fn broadcast(&self, data: &mut Vec<f64>, root: usize);
    fn broadcast_bytes(&self, data: &mut Vec<u8>, root: usize);
    /// Ends every process at once after an error on this one.
    fn abort(&self, code: i32) -> ! {
        std::process::exit(code)
    }
}

/// The collectives of one process: each hands back its input.
#[derive(Clone, Copy, Debug, Default)]
pub struct Serial;

impl Comm for Serial {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn barrier(&self) {}
    fn allreduce(&self, _x: &mut [f64], _op: Reduce) {}
    fn reduce_sum(&self, _x: &mut [f64], _root: usize) {}
    fn allgatherv_into(&self, x: &[f64], out: &mut Vec<f64>, counts: &mut Vec<usize>) {
        out.clear();
        out.extend_from_slice(x);
        counts.clear();
        counts.push(x.len());
    }
    fn alltoallv(&self, send: &[f64], _counts: &[usize]) -> Vec<Vec<f64>> {
        vec![send.to_vec()]
    }
    fn broadcast(&self, _data: &mut Vec<f64>, _root: usize) {}
    fn broadcast_bytes(&self, _data: &mut Vec<u8>, _root: usize) {}
}
