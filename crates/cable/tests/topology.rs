//! Connecting sections: loops are refused wherever they would close, after
//! any sequence of connects, disconnects and deletions.

use cable::model::Model;

fn chain(m: &mut Model, n: usize) -> Vec<usize> {
    let s: Vec<usize> = (0..n).map(|i| m.create_section(format!("s[{i}]"), None)).collect();
    for i in 1..n {
        m.connect(s[i], 0.0, s[i - 1], 1.0).unwrap();
    }
    s
}

#[test]
fn a_loop_is_refused_at_any_depth() {
    let mut m = Model::new(Vec::new());
    let s = chain(&mut m, 50);
    // The root under its own descendant, at every depth.
    for k in 1..50 {
        let e = m.connect(s[0], 0.0, s[k], 0.5).unwrap_err();
        assert_eq!(e, "s[0] connection would form a loop");
    }
    // A middle section under a deeper one, and under itself.
    assert!(m.connect(s[10], 0.0, s[30], 1.0).is_err());
    assert!(m.connect(s[10], 0.0, s[10], 1.0).is_err());
    // A leaf may go anywhere.
    m.connect(s[49], 0.0, s[3], 0.5).unwrap();
    assert!(m.connect(s[3], 0.0, s[49], 0.5).is_err());
}

#[test]
fn loops_after_disconnect_and_delete() {
    let mut m = Model::new(Vec::new());
    let s = chain(&mut m, 6);
    // s[3] leaves: s[3..] is a tree of its own, s[0..3] another.
    m.disconnect(s[3]);
    m.connect(s[0], 0.0, s[5], 1.0).unwrap();
    // Now s[3] is the root above s[0].
    assert!(m.connect(s[3], 0.0, s[2], 1.0).is_err());
    // Deleting s[4] makes s[5] a root (with s[0..3] below it); s[3] has no children left.
    m.delete_section(s[4]);
    m.connect(s[3], 0.0, s[2], 1.0).unwrap();
    assert!(m.connect(s[5], 0.0, s[3], 1.0).is_err());
}

#[test]
fn a_long_chain_builds_quickly() {
    // 200,000 sections, each connected as it is made: no walk to the root.
    let mut m = Model::new(Vec::new());
    let s = chain(&mut m, 200_000);
    assert!(m.connect(s[0], 0.0, s[199_999], 1.0).is_err());
}
