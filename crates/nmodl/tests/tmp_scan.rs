#[test]
fn scan() {
    let dir = std::env::var("MODDIR").unwrap();
    let mut ok = 0;
    let mut errs = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().map_or(true, |x| x != "mod") { continue; }
        let r = std::panic::catch_unwind(|| nmodl::load_file(&p).map(|_| ()));
        match r {
            Ok(Ok(())) => ok += 1,
            Ok(Err(e)) => errs.push(format!("{}", e.message)),
            Err(_) => errs.push(format!("PANIC {}", p.display())),
        }
    }
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for e in &errs {
        let key: String = e.split(':').next().unwrap().chars().take(70).collect();
        *counts.entry(key).or_default() += 1;
    }
    let mut v: Vec<_> = counts.into_iter().collect();
    v.sort_by_key(|x| std::cmp::Reverse(x.1));
    println!("ok {ok}, failed {}", errs.len());
    for (k, n) in v.iter().take(40) { println!("{n:4} {k}"); }
}
