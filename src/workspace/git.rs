//! Stage 1 from git: the repository as it was at a commit, read from the
//! object database without a checkout. The result is the same `Workspace`
//! as `load` builds from the working tree, so every later stage runs
//! unchanged; its `source` lets them read evidence artifacts and the
//! ratchet file from the same commit.
//!
//! Every git object is hostile input: symbolic links (mode 120000) and
//! submodules are reported, never followed; a blob's size is read from
//! its header before the blob is; the walk is bounded in depth and in
//! entries; an object that is missing or damaged is a diagnostic.

use super::{CONFIG_FILE, DIRS, Source, SourceFile, Workspace, classify, parse_bytes, too_large};
use crate::diag::{Code, Diagnostic, Pos};
use crate::hashing::HashMap;
use crate::model::{Date, Limits};
use crate::schema::Kind;
use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::objs::tree::EntryKind;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Deepest directory nesting read from a tree (the working tree is
/// bounded by the file system; a crafted tree is not).
const MAX_TREE_DEPTH: usize = 64;
/// Most entries (files and directories) read from one commit's tree.
const MAX_TREE_ENTRIES: usize = 2_000_000;
/// Largest evidence artifact hashed from a blob: blobs are read whole.
const MAX_ARTIFACT_BYTES: u64 = 1 << 30;

/// Why the history could not be read at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("{0} is not a directory")]
    NotADirectory(PathBuf),
    #[error(
        "{0} is not inside a git repository; `--at`, `aegis history` and `aegis diff` read the repository's git history, so run them in a clone"
    )]
    NotARepository(PathBuf),
    #[error(
        "{0} is a bare git repository or has no working tree; pass the path of the compliance repository inside a clone"
    )]
    NoWorkTree(PathBuf),
    #[error(
        "unknown revision `{rev}`: {why}; name a commit, branch or tag (`git log --oneline` lists them), or a date YYYY-MM-DD"
    )]
    UnknownRev { rev: String, why: String },
    #[error(
        "`{rev}` needs history this clone does not have (it is shallow); fetch the full history: `git fetch --unshallow`, or `fetch-depth: 0` with actions/checkout"
    )]
    Shallow { rev: String },
    #[error("no commit on the first-parent line of HEAD was made on or before {date}")]
    NoCommitBefore { date: Date },
    #[error("{folder} does not exist at commit {commit}, or holds no aegis.yaml there")]
    NoRepositoryAt { folder: String, commit: String },
    #[error(
        "cannot read git object {id}: {why}; the repository may be damaged (`git fsck` says more)"
    )]
    Object { id: String, why: String },
}

fn object_error(id: impl std::fmt::Display, why: impl std::fmt::Display) -> GitError {
    GitError::Object {
        id: id.to_string(),
        why: why.to_string(),
    }
}

/// A commit as outputs name it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Commit {
    /// Full hex id.
    pub id: String,
    /// The committer date (UTC): what dates in the records are judged
    /// against at this commit, unless `--as-of` says otherwise.
    pub date: Date,
    /// Seconds since the epoch (committer time).
    #[serde(skip)]
    pub time: i64,
    /// The first line of the message.
    pub summary: String,
    #[serde(skip)]
    pub oid: ObjectId,
    /// The tree of the compliance repository's folder at this commit.
    #[serde(skip)]
    pub tree: Option<ObjectId>,
}

impl Commit {
    /// The first 12 hex digits, as people quote a commit.
    pub fn short(&self) -> &str {
        &self.id[..self.id.len().min(12)]
    }
}

/// What comes before a commit on its first-parent line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parent {
    Commit(ObjectId),
    /// A root commit.
    None,
    /// Named but absent: the edge of a shallow clone.
    Missing,
}

/// A git repository holding a compliance repository, possibly in a folder.
pub struct GitRepo {
    repo: gix::ThreadSafeRepository,
    /// The compliance repository's folder inside the git repository,
    /// `/`-separated, empty at the top.
    pub prefix: String,
    /// The compliance repository's path as given.
    pub root: PathBuf,
    /// Parsed files by blob id and path, and artifact hashes by blob id,
    /// shared by every commit loaded through this value.
    cache: Arc<Cache>,
}

/// What parsing found in the file at a path.
type PathDiagnostics = (String, Vec<Diagnostic>);

#[derive(Default)]
struct Cache {
    /// Parsed files no workspace holds now: taken by `load`, given back by
    /// `recycle`, so a blob many commits share is parsed once and never
    /// copied.
    /// Keyed by blob alone, so no path is copied or hashed; the few blobs
    /// found at several paths hold one file per path.
    files: Mutex<HashMap<ObjectId, Vec<SourceFile>>>,
    /// The files of the workspace given back last, in path order (its
    /// aegis.yaml moved to `files`): the next commit of a walk holds
    /// nearly all of them, and takes them by one merge over the two
    /// sorted lists instead of a lookup per file. The rest go to `files`.
    last: Mutex<Vec<SourceFile>>,
    /// What parsing each file found, where it found something (a
    /// workspace drains its files' own).
    file_diags: Mutex<HashMap<ObjectId, Vec<PathDiagnostics>>>,
    /// Limits the parsed files were parsed under; a change empties `files`.
    limits: Mutex<Option<Limits>>,
    hashes: Mutex<HashMap<ObjectId, (String, u64)>>,
    listings: Mutex<HashMap<(ObjectId, String), Arc<Listing>>>,
    /// What each name looked up in a tree is, by the tree's id
    /// (`Snapshot::entry`).
    steps: Mutex<HashMap<ObjectId, HashMap<String, Step>>>,
}

/// Keeps a parsed file no workspace holds, by blob, for a later commit.
fn stash(cache: &mut HashMap<ObjectId, Vec<SourceFile>>, f: SourceFile) {
    if let Some(oid) = f.blob {
        cache.entry(oid).or_default().push(f);
    }
}

/// The parsed file of blob `oid` at `rel`, out of the cache.
fn take_from(
    cache: &mut HashMap<ObjectId, Vec<SourceFile>>,
    oid: ObjectId,
    rel: &str,
) -> Option<SourceFile> {
    let held = cache.get_mut(&oid)?;
    let i = held.iter().position(|f| f.path == rel)?;
    Some(held.swap_remove(i))
}

/// What a name is in a tree (see `Snapshot::entry`).
#[derive(Clone, Copy, Debug)]
enum Step {
    Missing,
    Tree(ObjectId),
    Blob { oid: ObjectId, size: u64 },
    Link,
    Submodule,
}

/// Looks `name` up in tree `at`.
fn step_in(repo: &gix::Repository, at: ObjectId, name: &str) -> Result<Step, String> {
    let tree = repo.find_tree(at).map_err(|e| first_line(&e.to_string()))?;
    let Some(e) = tree.find_entry(name) else {
        return Ok(Step::Missing);
    };
    let oid = e.object_id();
    Ok(match e.mode().kind() {
        EntryKind::Tree => Step::Tree(oid),
        EntryKind::Link => Step::Link,
        EntryKind::Commit => Step::Submodule,
        EntryKind::Blob | EntryKind::BlobExecutable => {
            let size = repo
                .find_header(oid)
                .map_err(|e| first_line(&e.to_string()))?
                .size();
            Step::Blob { oid, size }
        }
    })
}

/// What `at` names: a revision, or the last commit of a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum At {
    Rev(String),
    Date(Date),
}

impl At {
    /// `2026-03-01` is a day; anything else is a revision.
    pub fn parse(s: &str) -> At {
        let day = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
        match s.parse::<Date>() {
            Ok(d) if day => At::Date(d),
            _ => At::Rev(s.to_string()),
        }
    }
}

impl GitRepo {
    /// Finds the git repository holding `root` (upward from it).
    pub fn open(root: &Path) -> Result<GitRepo, GitError> {
        if !root.is_dir() {
            return Err(GitError::NotADirectory(root.into()));
        }
        let repo = gix::discover(root).map_err(|_| GitError::NotARepository(root.into()))?;
        let workdir = repo
            .workdir()
            .ok_or_else(|| GitError::NoWorkTree(root.into()))?
            .to_path_buf();
        let real_root = root
            .canonicalize()
            .map_err(|_| GitError::NotARepository(root.into()))?;
        let real_work = workdir.canonicalize().unwrap_or(workdir);
        let prefix = real_root
            .strip_prefix(&real_work)
            .map_err(|_| GitError::NotARepository(root.into()))?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        Ok(GitRepo {
            repo: repo.into_sync(),
            prefix,
            root: root.to_path_buf(),
            cache: Arc::default(),
        })
    }

    /// The same repository with a cache of its own, for a thread that
    /// walks another stretch of history.
    pub fn fork(&self) -> GitRepo {
        GitRepo {
            repo: self.repo.clone(),
            prefix: self.prefix.clone(),
            root: self.root.clone(),
            cache: Arc::default(),
        }
    }

    fn local(&self) -> gix::Repository {
        let mut r = self.repo.to_thread_local();
        r.object_cache_size_if_unset(4 * 1024 * 1024);
        r
    }

    fn is_shallow(&self) -> bool {
        self.repo.to_thread_local().is_shallow().unwrap_or(false)
    }

    /// The commit `at` names.
    pub fn resolve(&self, at: &At) -> Result<Commit, GitError> {
        match at {
            At::Rev(rev) => self.resolve_rev(rev),
            At::Date(d) => self.last_commit_on(d),
        }
    }

    /// The commit a rev-spec names (`HEAD~3`, a tag, a branch, a sha).
    pub fn resolve_rev(&self, rev: &str) -> Result<Commit, GitError> {
        let repo = self.local();
        let found = repo
            .rev_parse_single(rev.as_bytes().as_bstr())
            .map_err(|e| e.to_string())
            .and_then(|id| id.object().map_err(|e| e.to_string()))
            .and_then(|o| o.peel_to_commit().map_err(|e| e.to_string()));
        match found {
            Ok(c) => self.commit(c.id),
            Err(_) if self.is_shallow() => Err(GitError::Shallow { rev: rev.into() }),
            Err(why) => Err(GitError::UnknownRev {
                rev: rev.into(),
                why: first_line(&why),
            }),
        }
    }

    /// The last commit on HEAD's first-parent line made on or before the
    /// end of `day` (UTC).
    pub fn last_commit_on(&self, day: &Date) -> Result<Commit, GitError> {
        let end = end_of_day(*day);
        let mut c = self.resolve_rev("HEAD")?;
        loop {
            if c.time < end {
                return Ok(c);
            }
            c = match self.first_parent(c.oid)? {
                Parent::Commit(p) => self.commit(p)?,
                Parent::None => return Err(GitError::NoCommitBefore { date: *day }),
                Parent::Missing => {
                    return Err(GitError::Shallow {
                        rev: day.to_string(),
                    });
                }
            };
        }
    }

    /// The merge base of two commits, for `BASE...HEAD`.
    pub fn merge_base(&self, a: &Commit, b: &Commit) -> Result<Commit, GitError> {
        let repo = self.local();
        match repo.merge_base(a.oid, b.oid) {
            Ok(Some(id)) => self.commit(id.detach()),
            Ok(None) => Err(GitError::UnknownRev {
                rev: format!("{}...{}", a.short(), b.short()),
                why: "the two commits have no common ancestor".into(),
            }),
            Err(_) if self.is_shallow() => Err(GitError::Shallow {
                rev: format!("{}...{}", a.short(), b.short()),
            }),
            Err(e) => Err(object_error(a.short(), e)),
        }
    }

    /// A commit's details, with the tree of the compliance folder.
    pub fn commit(&self, oid: ObjectId) -> Result<Commit, GitError> {
        let repo = self.local();
        let c = repo.find_commit(oid).map_err(|e| object_error(oid, e))?;
        let time = c.time().map_err(|e| object_error(oid, e))?.seconds;
        let summary = c
            .message()
            .map(|m| m.summary().to_str_lossy().into_owned())
            .unwrap_or_default();
        let tree = c.tree_id().map_err(|e| object_error(oid, e))?.detach();
        let tree = if self.prefix.is_empty() {
            Some(tree)
        } else {
            self.subtree(&repo, tree, &self.prefix)
        };
        Ok(Commit {
            id: oid.to_string(),
            date: date_of(time),
            time,
            summary,
            oid,
            tree,
        })
    }

    /// The tree at `path` below `tree`, not through links or submodules.
    fn subtree(&self, repo: &gix::Repository, tree: ObjectId, path: &str) -> Option<ObjectId> {
        let mut at = tree;
        for part in path.split('/') {
            let t = repo.find_tree(at).ok()?;
            let e = t.find_entry(part)?;
            if e.mode().kind() != EntryKind::Tree {
                return None;
            }
            at = e.object_id();
        }
        Some(at)
    }

    /// The first parent of `oid`.
    pub fn first_parent(&self, oid: ObjectId) -> Result<Parent, GitError> {
        let repo = self.local();
        let c = repo.find_commit(oid).map_err(|e| object_error(oid, e))?;
        let parent = c.parent_ids().next().map(|p| p.detach());
        Ok(match parent {
            None => Parent::None,
            // The parent is named but not here: the edge of a shallow clone.
            Some(p) if repo.find_header(p).is_err() => Parent::Missing,
            Some(p) => Parent::Commit(p),
        })
    }

    /// Up to `max` commits of the first-parent line from `tip`, newest
    /// first, stopping before the first one older than `since` (seconds).
    /// The flag says whether the line was cut short by a shallow clone.
    pub fn first_parent_line(
        &self,
        tip: &Commit,
        max: usize,
        since: Option<i64>,
    ) -> Result<(Vec<Commit>, bool), GitError> {
        let mut out = Vec::new();
        let mut c = tip.clone();
        loop {
            if out.len() >= max || since.is_some_and(|s| c.time < s) {
                return Ok((out, false));
            }
            let oid = c.oid;
            out.push(c);
            c = match self.first_parent(oid)? {
                Parent::Commit(p) => self.commit(p)?,
                Parent::None => return Ok((out, false)),
                Parent::Missing => return Ok((out, true)),
            };
        }
    }

    /// Loads the compliance repository as it was at `commit`.
    pub fn load(&self, commit: &Commit) -> Result<Workspace, GitError> {
        let repo = self.local();
        let missing = || GitError::NoRepositoryAt {
            folder: if self.prefix.is_empty() {
                "the repository's top folder".into()
            } else {
                format!("`{}`", self.prefix)
            },
            commit: commit.short().to_string(),
        };
        let tree = commit.tree.ok_or_else(missing)?;
        let top = repo.find_tree(tree).map_err(|e| object_error(tree, e))?;
        let config_entry = top.find_entry(CONFIG_FILE).ok_or_else(missing)?;
        let (config_kind, config_oid) = (config_entry.mode().kind(), config_entry.object_id());
        drop(top);

        let defaults = Limits::default();
        let config = match config_kind {
            EntryKind::Blob | EntryKind::BlobExecutable => match self.take(config_oid, CONFIG_FILE)
            {
                Some(f) => f,
                None => self.parsed(config_oid, CONFIG_FILE, &repo, Kind::Config, &defaults),
            },
            EntryKind::Link => {
                let mut f = SourceFile::new(CONFIG_FILE, Kind::Config);
                f.push(link_not_followed(CONFIG_FILE));
                f
            }
            _ => return Err(missing()),
        };
        let limits = config
            .tree
            .as_ref()
            .and_then(|t| t.get("limits"))
            .and_then(|l| serde_json::from_value::<Limits>(l.to_json()).ok())
            .filter(Limits::in_range)
            .unwrap_or(defaults);
        self.cache_limits(&limits);

        let mut entries = Vec::new();
        let mut budget = MAX_TREE_ENTRIES;
        let top = repo.find_tree(tree).map_err(|e| object_error(tree, e))?;
        for dir in DIRS {
            let Some(e) = top.find_entry(*dir) else {
                continue;
            };
            match e.mode().kind() {
                EntryKind::Tree => {
                    let listing = self.list(&repo, e.object_id(), dir, 1, &mut budget);
                    entries.push(listing);
                }
                EntryKind::Link => entries.push(Arc::new(Listing {
                    files: Vec::new(),
                    subs: Vec::new(),
                    diagnostics: vec![
                        Diagnostic::new(
                            Code::PathEscapesRepo,
                            *dir,
                            Pos::START,
                            format!(
                                "{dir}/ is a symbolic link in this commit; links are not followed when reading git history, so nothing in it is read"
                            ),
                        )
                        .help(format!(
                            "make {dir}/ a real directory and move the records into it"
                        )),
                    ],
                    entries: 0,
                })),
                _ => {}
            }
        }
        drop(top);

        let mut diagnostics = Vec::new();
        let mut wanted = Vec::new();
        for l in &entries {
            l.gather(&mut wanted, &mut diagnostics);
        }
        // Sorted by path before anything is read: each top folder's
        // listing is already in path order (git's tree order is), so the
        // merge of those runs costs little, and the files come out in
        // workspace order without moving them again.
        wanted.sort_by(|a, b| a.0.cmp(&b.0));
        let mut files = Vec::with_capacity(wanted.len() + 1);
        files.push(config);
        self.read_all(&wanted, &limits, &mut files);
        for f in &mut files {
            diagnostics.append(&mut f.diagnostics);
        }
        Ok(Workspace {
            root: self.root.clone(),
            files,
            diagnostics,
            limits,
            source: Source::Commit(Arc::new(Snapshot {
                repo: self.repo.clone(),
                tree,
                commit: commit.clone(),
                cache: self.cache.clone(),
            })),
        })
    }

    /// The files that differ between two trees of the compliance folder,
    /// with their new blobs, when every difference is a file whose content
    /// changed at the same path and mode: nothing added, removed, renamed
    /// or turned into something else. `None` otherwise, or past `max`
    /// files. Folders with the same tree id are not read, so the cost is
    /// that of the changed paths.
    /// `trees` holds the trees the diff before read on its new side (this
    /// diff's old side) and, after, those this one read on its new side.
    pub fn changed_files(
        &self,
        old: ObjectId,
        new: ObjectId,
        max: usize,
        trees: &mut Trees,
    ) -> Result<Option<Vec<(String, ObjectId)>>, GitError> {
        let repo = self.local();
        let mut diff = Diff {
            repo: &repo,
            before: std::mem::take(trees),
            after: Trees::default(),
            max,
            out: Vec::new(),
        };
        let same = diff.trees(old, new, "", 0)?;
        *trees = diff.after;
        Ok(same.then_some(diff.out))
    }

    /// The file at `rel` with blob `oid`, parsed (from the cache when a
    /// commit read before held it).
    pub fn parse_file(&self, rel: &str, kind: Kind, oid: ObjectId, limits: &Limits) -> SourceFile {
        match self.take(oid, rel) {
            Some(f) if f.kind == kind => f,
            _ => self.parsed(oid, rel, &self.local(), kind, limits),
        }
    }

    /// Gives a workspace's parsed files back to the cache once its run is
    /// over, for the next commit that holds the same blobs.
    pub fn recycle(&self, ws: Workspace) {
        let Source::Commit(snapshot) = &ws.source else {
            return;
        };
        if !Arc::ptr_eq(&snapshot.cache, &self.cache) {
            return;
        }
        let mut files = ws.files;
        let mut cache = lock(&self.cache.files);
        if let Some(first) = files.first_mut()
            && first.path == CONFIG_FILE
        {
            // It sits before the folders, outside path order; `load` takes
            // it by blob before anything else.
            let config = std::mem::replace(first, SourceFile::new("", Kind::Config));
            stash(&mut cache, config);
        }
        let mut last = lock(&self.cache.last);
        for f in std::mem::replace(&mut *last, files) {
            stash(&mut cache, f);
        }
    }

    /// A parsed file from the cache, with what parsing it found.
    fn take(&self, oid: ObjectId, rel: &str) -> Option<SourceFile> {
        let mut f = take_from(&mut lock(&self.cache.files), oid, rel)?;
        if let Some(found) = lock(&self.cache.file_diags).get(&oid)
            && let Some((_, d)) = found.iter().find(|(p, _)| p == rel)
        {
            f.diagnostics = d.clone();
        }
        Some(f)
    }

    /// Reads and parses a blob, recording what parsing found.
    fn parsed(
        &self,
        oid: ObjectId,
        rel: &str,
        repo: &gix::Repository,
        kind: Kind,
        limits: &Limits,
    ) -> SourceFile {
        let mut f = self.read(repo, rel, kind, oid, limits);
        f.blob = Some(oid);
        if !f.diagnostics.is_empty() {
            lock(&self.cache.file_diags)
                .entry(oid)
                .or_default()
                .push((rel.to_string(), f.diagnostics.clone()));
        }
        f
    }

    fn cache_limits(&self, limits: &Limits) {
        let mut seen = lock(&self.cache.limits);
        if seen.as_ref().is_some_and(|l| l != limits) {
            lock(&self.cache.files).clear();
            lock(&self.cache.last).clear();
            lock(&self.cache.file_diags).clear();
        }
        *seen = Some(limits.clone());
    }

    /// The listed files: taken from the cache when parsed before, else
    /// read and parsed (in parallel); appended to `out` in `wanted` order.
    fn read_all(
        &self,
        wanted: &[&(String, Kind, ObjectId)],
        limits: &Limits,
        out: &mut Vec<SourceFile>,
    ) {
        let mut ready = Vec::with_capacity(wanted.len());
        let mut todo = Vec::new();
        let last = std::mem::take(&mut *lock(&self.cache.last));
        let mut last = last.into_iter().peekable();
        {
            let mut cache = lock(&self.cache.files);
            for (at, (rel, kind, oid)) in wanted.iter().enumerate() {
                while let Some(gone) = last.next_if(|f| f.path.as_str() < rel.as_str()) {
                    stash(&mut cache, gone);
                }
                let f = last
                    .next_if(|f| f.path == *rel && f.blob == Some(*oid) && f.kind == *kind)
                    .or_else(|| take_from(&mut cache, *oid, rel));
                if f.is_none() {
                    todo.push((at, *oid, rel.as_str(), *kind));
                }
                ready.push(f);
            }
            for gone in last {
                stash(&mut cache, gone);
            }
        }
        // A workspace drains its files' own diagnostics; files taken back
        // get theirs again (most commits have none to give).
        let found = lock(&self.cache.file_diags);
        if !found.is_empty() {
            for f in ready.iter_mut().flatten() {
                if let Some(d) = f
                    .blob
                    .and_then(|oid| found.get(&oid))
                    .and_then(|held| held.iter().find(|(p, _)| *p == f.path))
                {
                    f.diagnostics = d.1.clone();
                }
            }
        }
        drop(found);
        let parsed: Vec<(usize, SourceFile)> = todo
            .into_par_iter()
            .map_init(
                || self.local(),
                |repo, (at, oid, rel, kind)| (at, self.parsed(oid, rel, repo, kind, limits)),
            )
            .collect();
        for (at, f) in parsed {
            ready[at] = Some(f);
        }
        out.extend(ready.into_iter().flatten());
    }

    /// Reads and parses one blob, turning every failure into a diagnostic.
    fn read(
        &self,
        repo: &gix::Repository,
        rel: &str,
        kind: Kind,
        oid: ObjectId,
        limits: &Limits,
    ) -> SourceFile {
        match read_blob(repo, oid, limits.max_file_bytes) {
            Ok(bytes) => parse_bytes(rel, kind, bytes, limits),
            Err(BlobError::TooLarge(size)) => too_large(rel, kind, &size.to_string(), limits),
            Err(BlobError::Unreadable(why)) => {
                let mut f = SourceFile::new(rel, kind);
                f.push(
                    Diagnostic::new(
                        Code::IoError,
                        rel,
                        Pos::START,
                        format!("cannot read git object {oid}: {why}"),
                    )
                    .help("the repository may be damaged or shallow; `git fsck` says more, `git fetch --unshallow` fetches missing history"),
                );
                f
            }
        }
    }

    /// The record files below the tree `oid` at `dir`, cached by tree id:
    /// a directory no commit changed is listed once per run.
    fn list(
        &self,
        repo: &gix::Repository,
        oid: ObjectId,
        dir: &str,
        depth: usize,
        budget: &mut usize,
    ) -> Arc<Listing> {
        let key = (oid, dir.to_string());
        if let Some(l) = lock(&self.cache.listings).get(&key)
            && l.entries <= *budget
        {
            *budget -= l.entries;
            return l.clone();
        }
        let mut out = Listing::default();
        let start = *budget;
        self.list_into(repo, oid, dir, depth, budget, &mut out);
        out.entries = start - *budget;
        let out = Arc::new(out);
        lock(&self.cache.listings).insert(key, out.clone());
        out
    }

    fn list_into(
        &self,
        repo: &gix::Repository,
        oid: ObjectId,
        dir: &str,
        depth: usize,
        budget: &mut usize,
        out: &mut Listing,
    ) {
        if depth > MAX_TREE_DEPTH {
            out.diagnostics.push(
                Diagnostic::new(
                    Code::UnexpectedFile,
                    dir,
                    Pos::START,
                    format!("directories nest more than {MAX_TREE_DEPTH} deep here, so nothing deeper is read"),
                )
                .help("flatten the directory structure"),
            );
            return;
        }
        let tree = match repo.find_tree(oid) {
            Ok(t) => t,
            Err(e) => {
                out.diagnostics.push(unreadable(dir, oid, &e.to_string()));
                return;
            }
        };
        let decoded = match tree.decode() {
            Ok(d) => d,
            Err(e) => {
                out.diagnostics.push(unreadable(dir, oid, &e.to_string()));
                return;
            }
        };
        // Git sorts a directory `a` as `a/`; the working-tree walk sorts by
        // name. Both end sorted by path in the workspace, so order here
        // only has to be stable.
        let children: Vec<(String, EntryKind, ObjectId, bool)> = decoded
            .entries
            .iter()
            .map(|e| match e.filename.to_str() {
                Ok(n) => (n.to_string(), e.mode.kind(), e.oid.to_owned(), true),
                Err(_) => (
                    e.filename.to_str_lossy().into_owned(),
                    e.mode.kind(),
                    e.oid.to_owned(),
                    false,
                ),
            })
            .collect();
        drop(tree);
        for (name, kind, child, utf8) in children {
            if *budget == 0 {
                out.diagnostics.push(
                    Diagnostic::new(
                        Code::UnexpectedFile,
                        dir,
                        Pos::START,
                        format!("the commit's tree has more than {MAX_TREE_ENTRIES} entries under the record directories; the rest is not read"),
                    )
                    .help("split the repository, or remove generated files from the record directories"),
                );
                return;
            }
            *budget -= 1;
            if name.starts_with('.') {
                continue;
            }
            let rel = format!("{dir}/{name}");
            if !utf8 || name.contains('/') || name.is_empty() {
                let what = if kind == EntryKind::Tree {
                    "directory name is not valid UTF-8, so nothing in it is read"
                } else {
                    "file name is not valid UTF-8, so the file is not read"
                };
                out.diagnostics.push(
                    Diagnostic::new(Code::InvalidUtf8, rel, Pos::START, what)
                        .help("rename it using UTF-8 (plain ASCII is safest in a repository)"),
                );
                continue;
            }
            match kind {
                EntryKind::Tree => {
                    let sub = self.list(repo, child, &rel, depth + 1, budget);
                    out.subs.push(sub);
                }
                EntryKind::Blob | EntryKind::BlobExecutable => match classify(&rel) {
                    super::Classified::Kind(k) => out.files.push((rel, k, child)),
                    super::Classified::Ignore => {}
                    super::Classified::Unexpected(why) => out.diagnostics.push(
                        Diagnostic::new(
                            Code::UnexpectedFile,
                            rel,
                            Pos::START,
                            "file is not where Aegis reads any kind of record, so it is not loaded",
                        )
                        .help(why),
                    ),
                },
                EntryKind::Link => {
                    if classify(&rel) != super::Classified::Ignore {
                        out.diagnostics.push(link_not_followed(&rel));
                    }
                }
                EntryKind::Commit => out.diagnostics.push(
                    Diagnostic::new(
                        Code::UnexpectedFile,
                        rel,
                        Pos::START,
                        "a git submodule is not followed, so nothing in it is read",
                    )
                    .help("keep records in the compliance repository itself, not in a submodule"),
                ),
            }
        }
    }
}

/// The record files and the diagnostics of one directory and below.
#[derive(Default)]
struct Listing {
    /// The directory's own record files.
    files: Vec<(String, Kind, ObjectId)>,
    /// Its subdirectories' listings, shared rather than copied in: a
    /// commit that changes one file of a large folder lists that folder
    /// anew, and every unchanged subfolder is the cached listing itself.
    subs: Vec<Arc<Listing>>,
    diagnostics: Vec<Diagnostic>,
    /// Tree entries visited, charged to the budget when reused.
    entries: usize,
}

impl Listing {
    /// Every record file of the directory and below, and a copy of what
    /// listing them found.
    fn gather<'a>(
        &'a self,
        files: &mut Vec<&'a (String, Kind, ObjectId)>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        files.extend(self.files.iter());
        diagnostics.extend(self.diagnostics.iter().cloned());
        for s in &self.subs {
            s.gather(files, diagnostics);
        }
    }
}

fn unreadable(rel: &str, oid: ObjectId, why: &str) -> Diagnostic {
    Diagnostic::new(
        Code::IoError,
        rel,
        Pos::START,
        format!("cannot read git tree {oid}: {}", first_line(why)),
    )
    .help("the repository may be damaged or shallow; `git fsck` says more, `git fetch --unshallow` fetches missing history")
}

fn link_not_followed(rel: &str) -> Diagnostic {
    Diagnostic::new(
        Code::PathEscapesRepo,
        rel,
        Pos::START,
        "symbolic link in the commit is not followed when reading git history, so it is not read",
    )
    .help("commit the file itself instead of a link to it")
}

enum BlobError {
    TooLarge(u64),
    Unreadable(String),
}

/// A blob's bytes, its size judged from the object header before a byte
/// of it is read.
/// A tree's entries: name, kind, object.
type Entries = Arc<Vec<(Vec<u8>, EntryKind, ObjectId)>>;

/// Decoded trees by id, kept from one diff of a walk to the next
/// (`GitRepo::changed_files`).
#[derive(Default)]
pub struct Trees(HashMap<ObjectId, Entries>);

/// One `GitRepo::changed_files`.
struct Diff<'r> {
    repo: &'r gix::Repository,
    before: Trees,
    after: Trees,
    max: usize,
    out: Vec<(String, ObjectId)>,
}

impl Diff<'_> {
    fn entries(&mut self, oid: ObjectId, new_side: bool) -> Result<Entries, GitError> {
        let held = self.before.0.get(&oid).or_else(|| self.after.0.get(&oid));
        let entries = match held {
            Some(e) => e.clone(),
            None => {
                let tree = self.repo.find_tree(oid).map_err(|e| object_error(oid, e))?;
                let decoded = tree.decode().map_err(|e| object_error(oid, e))?;
                Arc::new(
                    decoded
                        .entries
                        .iter()
                        .map(|e| (e.filename.to_vec(), e.mode.kind(), e.oid.to_owned()))
                        .collect(),
                )
            }
        };
        if new_side {
            self.after.0.insert(oid, entries.clone());
        }
        Ok(entries)
    }

    /// False when the trees differ in anything but file contents, or in
    /// more than `max` files.
    fn trees(
        &mut self,
        old: ObjectId,
        new: ObjectId,
        dir: &str,
        depth: usize,
    ) -> Result<bool, GitError> {
        if depth > MAX_TREE_DEPTH {
            return Ok(false);
        }
        let (a, b) = (self.entries(old, false)?, self.entries(new, true)?);
        if a.len() != b.len() {
            return Ok(false);
        }
        for ((name, kind, was), (name2, kind2, now)) in a.iter().zip(b.iter()) {
            if name != name2 || kind != kind2 {
                return Ok(false);
            }
            if was == now {
                continue;
            }
            let Ok(name) = std::str::from_utf8(name) else {
                return Ok(false);
            };
            let rel = if dir.is_empty() {
                name.to_string()
            } else {
                format!("{dir}/{name}")
            };
            match kind {
                EntryKind::Tree => {
                    if !self.trees(*was, *now, &rel, depth + 1)? {
                        return Ok(false);
                    }
                }
                EntryKind::Blob | EntryKind::BlobExecutable if self.out.len() < self.max => {
                    self.out.push((rel, *now))
                }
                _ => return Ok(false),
            }
        }
        Ok(true)
    }
}

fn read_blob(repo: &gix::Repository, oid: ObjectId, max: u64) -> Result<Vec<u8>, BlobError> {
    let header = repo
        .find_header(oid)
        .map_err(|e| BlobError::Unreadable(first_line(&e.to_string())))?;
    if header.kind() != gix::objs::Kind::Blob {
        return Err(BlobError::Unreadable(format!(
            "it is a {}, not a file",
            header.kind()
        )));
    }
    if header.size() > max {
        return Err(BlobError::TooLarge(header.size()));
    }
    let mut blob = repo
        .find_blob(oid)
        .map_err(|e| BlobError::Unreadable(first_line(&e.to_string())))?;
    Ok(blob.take_data())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere leaves a cache that is still a valid cache.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

const EPOCH: jiff::civil::Date = jiff::civil::date(1970, 1, 1);

/// The UTC day of a time in seconds since the epoch.
pub fn date_of(seconds: i64) -> Date {
    let days = seconds.div_euclid(86_400);
    Date(
        EPOCH
            .checked_add(jiff::SignedDuration::from_hours(days.saturating_mul(24)))
            .unwrap_or(EPOCH),
    )
}

/// The first second after `day` ends (UTC).
pub fn end_of_day(day: Date) -> i64 {
    day.0.duration_since(EPOCH).as_secs() + 86_400
}

/// The commit a workspace was loaded from, for the stages after loading:
/// evidence artifacts and the ratchet file are read from its tree.
pub struct Snapshot {
    repo: gix::ThreadSafeRepository,
    /// The compliance folder's tree.
    tree: ObjectId,
    pub commit: Commit,
    cache: Arc<Cache>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("commit", &self.commit.id)
            .finish()
    }
}

/// What a path names in a commit's tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    File {
        oid: ObjectId,
        size: u64,
    },
    Dir,
    Link,
    Submodule,
    Missing,
    /// A directory on the way is a link or a submodule.
    Through,
}

impl Snapshot {
    /// What `rel` (repository-relative, `/`-separated, no `..`) names.
    pub fn entry(&self, rel: &str) -> Result<Entry, String> {
        // A walk over history asks this for every repository artifact of
        // every commit, and a tree's entries never change: each name looked
        // up in a tree is kept by the tree's id, so an unchanged folder is
        // not read again, and git is opened only for what is new.
        let mut repo: Option<gix::Repository> = None;
        let mut at = self.tree;
        let parts: Vec<&str> = rel
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        for (i, part) in parts.iter().enumerate() {
            let known = lock(&self.cache.steps)
                .get(&at)
                .and_then(|names| names.get(*part).copied());
            let step = match known {
                Some(s) => s,
                None => {
                    let repo = repo.get_or_insert_with(|| self.repo.to_thread_local());
                    let s = step_in(repo, at, part)?;
                    lock(&self.cache.steps)
                        .entry(at)
                        .or_default()
                        .insert((*part).to_string(), s);
                    s
                }
            };
            let last = i + 1 == parts.len();
            match step {
                Step::Missing => return Ok(Entry::Missing),
                Step::Tree(_) if last => return Ok(Entry::Dir),
                Step::Tree(oid) => at = oid,
                _ if !last => return Ok(Entry::Through),
                Step::Link => return Ok(Entry::Link),
                Step::Submodule => return Ok(Entry::Submodule),
                Step::Blob { oid, size } => return Ok(Entry::File { oid, size }),
            }
        }
        Ok(Entry::Dir)
    }

    /// A blob's bytes, refusing one over `max` bytes before reading it.
    pub fn read(&self, oid: ObjectId, max: u64) -> Result<Option<Vec<u8>>, String> {
        let repo = self.repo.to_thread_local();
        match read_blob(&repo, oid, max) {
            Ok(b) => Ok(Some(b)),
            Err(BlobError::TooLarge(_)) => Ok(None),
            Err(BlobError::Unreadable(why)) => Err(why),
        }
    }

    /// SHA-256 (hex) and size of a blob, computed once per run.
    pub fn hash(&self, oid: ObjectId) -> Result<(String, u64), String> {
        if let Some(h) = lock(&self.cache.hashes).get(&oid) {
            return Ok(h.clone());
        }
        let bytes = self.read(oid, MAX_ARTIFACT_BYTES)?.ok_or_else(|| {
            format!("the blob is over {MAX_ARTIFACT_BYTES} bytes, too large to hash from git")
        })?;
        let h = crate::validate::evidence_hash(&bytes);
        lock(&self.cache.hashes).insert(oid, h.clone());
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_a_date_anything_else_a_revision() {
        assert_eq!(
            At::parse("2026-03-01"),
            At::Date("2026-03-01".parse().expect("date"))
        );
        assert_eq!(At::parse("HEAD~3"), At::Rev("HEAD~3".into()));
        assert_eq!(At::parse("v1.2"), At::Rev("v1.2".into()));
        assert_eq!(At::parse("deadbeef"), At::Rev("deadbeef".into()));
    }

    #[test]
    fn days_end_at_midnight_utc() {
        let d: Date = "2026-03-01".parse().expect("date");
        assert_eq!(end_of_day(d), 1_772_409_600);
        assert_eq!(date_of(1_772_409_599), d);
        assert_eq!(date_of(1_772_409_600).to_string(), "2026-03-02");
    }
}
