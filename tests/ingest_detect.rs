//! Every scanner file in the corpus is claimed by exactly one reader, and
//! MITRE's HDF conversions beside them are read as HDF: formats are told
//! apart by content, never by file name, and no two readers overlap.

mod common;
use common::corpus;

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn every_corpus_scan_is_claimed_by_exactly_one_reader() {
    let root = corpus().join("scans");
    let mut files: Vec<std::path::PathBuf> = walk(&root)
        .into_iter()
        .filter(|p| !p.components().any(|c| c.as_os_str() == "thresholds"))
        .collect();
    files.sort();
    assert!(files.len() >= 60, "{} files", files.len());
    let mut problems = Vec::new();
    for f in &files {
        let mut head = Vec::new();
        use std::io::Read;
        std::fs::File::open(f)
            .expect("open")
            .take(aegis::ingest::detect::HEAD_BYTES as u64)
            .read_to_end(&mut head)
            .expect("read");
        let h = aegis::ingest::Head::new(&head);
        let claims: Vec<&str> = aegis::ingest::formats::READERS
            .iter()
            .filter(|r| r.detect(&h))
            .map(|r| r.name())
            .collect();
        let rel = f.strip_prefix(&root).expect("under").display().to_string();
        let in_hdf_output = rel.contains("hdf-output/");
        match claims.as_slice() {
            [one] if in_hdf_output && *one != "hdf" => {
                problems.push(format!("{rel}: a MITRE conversion read as {one}"));
            }
            [_] => {}
            [] => problems.push(format!("{rel}: no reader claims it")),
            many => problems.push(format!("{rel}: claimed by {many:?}")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
