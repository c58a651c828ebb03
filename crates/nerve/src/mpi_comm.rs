//! The processes of `mpirun -n N nerve run -mpi ...`: ParallelContext's
//! collectives and the spike exchange on MPI's world communicator (the
//! `mpi` crate over the system's MPI library). Built with the `mpi` feature.

use std::cell::RefCell;

use mpi::collective::SystemOperation;
use mpi::datatype::{Partition, PartitionMut};
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi::Count;

use cable::comm::{Comm, Reduce};

pub struct MpiComm {
    world: SimpleCommunicator,
    /// Each rank's count and displacement of the last allgather (reused).
    sizes: RefCell<(Vec<Count>, Vec<Count>)>,
    /// Kept until the end: dropping it finalizes MPI.
    _universe: Universe,
}

impl MpiComm {
    pub fn start() -> Result<Self, String> {
        let universe = mpi::initialize().ok_or("MPI was already initialized")?;
        let world = universe.world();
        Ok(MpiComm { world, sizes: RefCell::default(), _universe: universe })
    }

    fn op(op: Reduce) -> SystemOperation {
        match op {
            Reduce::Sum => SystemOperation::sum(),
            Reduce::Max => SystemOperation::max(),
            Reduce::Min => SystemOperation::min(),
        }
    }

    /// `root`'s vector, its length first, on every rank.
    fn broadcast_vec<T: Equivalence + Default + Clone>(&self, data: &mut Vec<T>, root: usize) {
        let at = self.world.process_at_rank(root as i32);
        let mut n = data.len() as u64;
        at.broadcast_into(&mut n);
        data.resize(n as usize, T::default());
        at.broadcast_into(&mut data[..]);
    }
}

/// Where each rank's part starts, into `out`.
fn displacements(counts: &[Count], out: &mut Vec<Count>) {
    out.clear();
    out.extend(counts.iter().scan(0, |acc, &c| {
        let d = *acc;
        *acc += c;
        Some(d)
    }));
}

/// `flat` cut into the parts `counts` gives.
fn split(flat: Vec<f64>, counts: &[Count]) -> Vec<Vec<f64>> {
    let mut parts = Vec::with_capacity(counts.len());
    let mut at = 0;
    for &c in counts {
        parts.push(flat[at..at + c as usize].to_vec());
        at += c as usize;
    }
    parts
}

impl Comm for MpiComm {
    fn rank(&self) -> usize {
        self.world.rank() as usize
    }

    fn size(&self) -> usize {
        self.world.size() as usize
    }

    fn barrier(&self) {
        self.world.barrier();
    }

    fn allreduce(&self, x: &mut [f64], op: Reduce) {
        let send = x.to_vec();
        self.world.all_reduce_into(&send[..], x, Self::op(op));
    }

    fn reduce_sum(&self, x: &mut [f64], root: usize) {
        let at = self.world.process_at_rank(root as i32);
        if self.rank() == root {
            let send = x.to_vec();
            at.reduce_into_root(&send[..], x, SystemOperation::sum());
        } else {
            at.reduce_into(x, SystemOperation::sum());
        }
    }

    fn allgatherv_into(&self, x: &[f64], out: &mut Vec<f64>, counts: &mut Vec<usize>) {
        let mut sizes = self.sizes.borrow_mut();
        let (n, displs) = &mut *sizes;
        n.resize(self.size(), 0);
        self.world.all_gather_into(&(x.len() as Count), &mut n[..]);
        displacements(n, displs);
        let total: Count = n.iter().sum();
        out.clear();
        out.resize(total as usize, 0.0);
        {
            let mut part = PartitionMut::new(&mut out[..], &n[..], &displs[..]);
            self.world.all_gather_varcount_into(x, &mut part);
        }
        counts.clear();
        counts.extend(n.iter().map(|&c| c as usize));
    }

    fn alltoallv(&self, send: &[f64], counts: &[usize]) -> Vec<Vec<f64>> {
        let send_counts: Vec<Count> = counts.iter().map(|&c| c as Count).collect();
        let mut recv_counts = vec![0 as Count; self.size()];
        self.world.all_to_all_into(&send_counts[..], &mut recv_counts[..]);
        let (mut sd, mut rd) = (Vec::new(), Vec::new());
        displacements(&send_counts, &mut sd);
        displacements(&recv_counts, &mut rd);
        let total: Count = recv_counts.iter().sum();
        let mut flat = vec![0.0; total as usize];
        {
            let part = Partition::new(send, &send_counts[..], &sd[..]);
            let mut into = PartitionMut::new(&mut flat[..], &recv_counts[..], &rd[..]);
            self.world.all_to_all_varcount_into(&part, &mut into);
        }
        split(flat, &recv_counts)
    }

    fn broadcast(&self, data: &mut Vec<f64>, root: usize) {
        self.broadcast_vec(data, root);
    }

    fn broadcast_bytes(&self, data: &mut Vec<u8>, root: usize) {
        self.broadcast_vec(data, root);
    }

    fn abort(&self, code: i32) -> ! {
        self.world.abort(code)
    }
}
