//! Files only their owner may read, written so that a crash never leaves half of one.
//!
//! The one home for the file-system rules every room follows:
//! - folders this program makes for its data are `0700`, files holding ratings, remarks,
//!   the PIN's hash or counters are `0600` — also when they already existed with looser
//!   modes (made by an older version or by hand);
//! - a file is replaced atomically: a temporary file in the same folder (so the rename
//!   never crosses a file system), written, fsynced, renamed over the old one, and then
//!   the folder fsynced, so after `Ok` the new content survives a power cut and a reader
//!   sees the old file or the new one, never a mix. A failed write removes its temporary
//!   file and leaves the old file as it was;
//! - lines appended to a log go to a `0600` file.
//!
//! Every function here blocks and calls [`crate::blocking::assert_may_block`] first: the
//! window runs them in a job. Permissions are Unix modes; elsewhere the platform's
//! defaults apply (the user's profile folder). No egui, no knowledge of what the files
//! hold.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// Mode of the files this module creates for the user alone.
pub const FILE_MODE: u32 = 0o600;
/// Mode of the folders this module creates for the user alone.
pub const DIR_MODE: u32 = 0o700;

/// Create `dir` and its missing parents, each `0700`. Folders that already exist are
/// left as they are (a parent may be shared, like `~/.local/share`, or an
/// administrator's `/etc/visit-rating`); follow with [`make_private`] for a folder that
/// must be private whoever made it.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    crate::blocking::assert_may_block("creating a folder");
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)
}

/// Make an existing file `0600` or folder `0700` if its mode lets anyone else in.
/// Nothing changes when it is already as private (a `0400` file stays `0400`).
pub fn make_private(path: &Path) -> io::Result<()> {
    crate::blocking::assert_may_block("making a file private");
    let mode = if fs::metadata(path)?.is_dir() {
        DIR_MODE
    } else {
        FILE_MODE
    };
    tighten(path, mode)
}

#[cfg(unix)]
fn tighten(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let current = fs::metadata(path)?.permissions().mode() & 0o777;
    if current & !mode != 0 {
        fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten(path: &Path, _mode: u32) -> io::Result<()> {
    fs::metadata(path).map(drop)
}

/// Replace `path` with `bytes` atomically and durably, readable by the user only.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with_mode(path, bytes, FILE_MODE)
}

/// [`write`] with another mode, for the one file others must read (the metrics file
/// that `node_exporter` collects is `0644`). The mode is exact: the umask does not
/// apply.
///
/// A path that exists but is not a regular file (`/dev/stdout`, a named pipe given as
/// a report's path) is written through, not replaced.
pub fn write_with_mode(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    replace_file(path, bytes, mode, true)
}

/// Replace `path` with `bytes` atomically (a reader sees the old file or the new one,
/// never a mix), readable by the user only, but not durably: no fsync, so after a power
/// cut the file may hold its previous content (or, on a file system that does not
/// order a rename after its data, be empty). For files that are cheap to be wrong
/// about after a crash and written on someone's path: the delivery counters, written
/// after every rating a patient sends, whose fsyncs cost that patient milliseconds.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace_file(path, bytes, FILE_MODE, false)
}

fn replace_file(path: &Path, bytes: &[u8], mode: u32, durable: bool) -> io::Result<()> {
    create_replacement(path, bytes, mode, durable, false).map(drop)
}

/// [`write`] a new file and hand it back open, holding its exclusive lock
/// (`File::try_lock`) from before it appears at `path`: nobody can lock it between its
/// arrival and the caller's first look at it. The lock lasts until the file is dropped.
pub fn write_locked(path: &Path, bytes: &[u8]) -> io::Result<File> {
    create_replacement(path, bytes, FILE_MODE, true, true)
}

fn create_replacement(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    durable: bool,
    locked: bool,
) -> io::Result<File> {
    crate::blocking::assert_may_block("writing a file");
    if !locked && fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let mut file = OpenOptions::new().write(true).open(path)?;
        file.write_all(bytes)?;
        return Ok(file);
    }
    let dir = folder_of(path);
    // Dropped on any error before the rename: the temporary file is removed.
    let mut temp = sibling_temp(path, mode)?;
    if locked {
        // A new file of our own: nobody else can hold its lock.
        temp.as_file().lock()?;
    }
    temp.write_all(bytes)?;
    if durable {
        temp.as_file().sync_all()?;
    }
    let file = temp.persist(path).map_err(|e| e.error)?;
    if durable {
        sync_folder(dir)?;
    }
    Ok(file)
}

/// Many new files made durable together: each is written under a temporary name
/// ([`Batch::add`], no fsync), and [`Batch::commit`] then syncs them all at once — on
/// Linux one `syncfs` of their file system; elsewhere each file's `fsync`, as it is
/// written — renames each into place, and fsyncs each folder once. A crash before the
/// commit ends leaves temporary files (listings skip them, and remove them once stale)
/// or whole files, never a half-written file at a final name: the renames come only
/// after everything is on disk. Dropping a batch before its commit removes its
/// temporary files.
///
/// For saving many ratings at once (an import): one sync instead of one per file, as
/// [`write`] costs.
#[derive(Debug, Default)]
pub struct Batch {
    files: Vec<(tempfile::TempPath, std::path::PathBuf)>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Write `bytes` for `path` (which must not exist yet, or is replaced at the commit),
    /// `0600`, under a temporary name in `path`'s folder.
    pub fn add(&mut self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        crate::blocking::assert_may_block("writing a file");
        let mut temp = sibling_temp(path, FILE_MODE)?;
        temp.write_all(bytes)?;
        #[cfg(not(target_os = "linux"))]
        temp.as_file().sync_all()?;
        self.files.push((temp.into_temp_path(), path.to_owned()));
        Ok(())
    }

    /// How many files wait for the commit.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file waits.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Make every file added durable at its path: one sync, the renames, one fsync per
    /// folder. On an error, the files not yet renamed are removed.
    pub fn commit(self) -> io::Result<()> {
        crate::blocking::assert_may_block("syncing files");
        let mut folders: Vec<std::path::PathBuf> = Vec::new();
        for (_, path) in &self.files {
            let folder = folder_of(path).to_owned();
            if !folders.contains(&folder) {
                folders.push(folder);
            }
        }
        #[cfg(target_os = "linux")]
        for folder in &folders {
            // One sync of the file system writes every file's data and inode.
            rustix::fs::syncfs(File::open(folder)?)?;
        }
        for (temp, path) in self.files {
            temp.persist(&path).map_err(|e| e.error)?;
        }
        for folder in &folders {
            sync_folder(folder)?;
        }
        Ok(())
    }
}

/// A file written a piece at a time that replaces `path` the way [`write`] does, once
/// [`Streamed::commit`] is called: until then `path` is untouched, and dropping it
/// removes the temporary file. For files too large to hold in memory first (an
/// import's report). A path that is not a regular file (`/dev/stdout`, a named pipe) is
/// written through.
pub struct Streamed {
    target: StreamTarget,
}

enum StreamTarget {
    Temp {
        temp: tempfile::NamedTempFile,
        path: std::path::PathBuf,
    },
    Through(File),
}

/// Start a [`Streamed`] replacement of `path`, readable by the user only.
pub fn create_streamed(path: &Path) -> io::Result<Streamed> {
    crate::blocking::assert_may_block("writing a file");
    if fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let file = OpenOptions::new().write(true).open(path)?;
        return Ok(Streamed {
            target: StreamTarget::Through(file),
        });
    }
    let temp = sibling_temp(path, FILE_MODE)?;
    Ok(Streamed {
        target: StreamTarget::Temp {
            temp,
            path: path.to_owned(),
        },
    })
}

impl Streamed {
    /// Make the file written so far the one at its path, durably.
    pub fn commit(self) -> io::Result<()> {
        match self.target {
            StreamTarget::Through(mut file) => file.flush(),
            StreamTarget::Temp { mut temp, path } => {
                temp.flush()?;
                temp.as_file().sync_all()?;
                temp.persist(&path).map_err(|e| e.error)?;
                sync_folder(folder_of(&path))
            }
        }
    }
}

impl Write for Streamed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.target {
            StreamTarget::Temp { temp, .. } => temp.write(buf),
            StreamTarget::Through(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.target {
            StreamTarget::Temp { temp, .. } => temp.flush(),
            StreamTarget::Through(file) => file.flush(),
        }
    }
}

/// The suffix of the temporary files [`write`] leaves behind only when the process
/// dies between creating and renaming one (`.NAME.XXXXXX.tmp`).
pub const TEMP_SUFFIX: &str = ".tmp";

/// Whether `name` is one of [`write`]'s temporary files (a folder's listing skips them).
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(TEMP_SUFFIX)
}

/// Append `bytes` to `path`, created `0600` if missing. No fsync: a log line lost to a
/// power cut is acceptable where a rating is not (ratings go through [`write`]).
pub fn append(path: &Path, bytes: &[u8]) -> io::Result<()> {
    crate::blocking::assert_may_block("appending to a file");
    let mut file = open_private(path, OpenOptions::new().create(true).append(true))?;
    file.write_all(bytes)
}

/// Open (creating `0600` if missing) the lock file `path` and hold its exclusive lock
/// until the returned file is dropped. Another process taking the same lock waits.
pub fn lock(path: &Path) -> io::Result<File> {
    crate::blocking::assert_may_block("taking a file lock");
    let file = open_private(
        path,
        OpenOptions::new().create(true).truncate(false).write(true),
    )?;
    file.lock()?;
    Ok(file)
}

/// Open `path` with `options`, a new file `0600`.
pub fn open_private(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    crate::blocking::assert_may_block("opening a file");
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, FILE_MODE);
    options.open(path)
}

/// The folder `path` is in (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Make a rename or a removal in `dir` durable (Unix: fsync the folder; elsewhere
/// nothing to do). [`write`] does it itself; a caller that removes files calls it.
pub fn sync_folder(dir: &Path) -> io::Result<()> {
    crate::blocking::assert_may_block("syncing a folder");
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// A temporary file beside `path` (`.NAME.` + random + [`TEMP_SUFFIX`], in its folder, so
/// that a rename replaces `path` atomically) with exactly `mode` on Unix, whatever the
/// umask trimmed at creation. Removed when dropped before it is persisted.
fn sibling_temp(path: &Path, mode: u32) -> io::Result<tempfile::NamedTempFile> {
    let dir = folder_of(path);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let prefix = format!(".{}.", name.to_string_lossy());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(TEMP_SUFFIX);
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(mode));
    #[cfg(not(unix))]
    let _ = mode;
    let temp = builder.tempfile_in(dir)?;
    #[cfg(unix)]
    temp.as_file()
        .set_permissions(std::os::unix::fs::PermissionsExt::from_mode(mode))?;
    Ok(temp)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).map_or(0, |m| m.permissions().mode() & 0o777)
    }

    /// The names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_write_replaces_the_file_whole_privately_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("counters.json");
        fs::write(&path, "old, readable by all").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        write(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(names(dir.path()), ["counters.json"]);

        write_with_mode(&path, b"for node_exporter", 0o644).unwrap();
        assert_eq!(mode(&path), 0o644);
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.toml");
        fs::write(&path, "kept").unwrap();
        // A folder where the file should be: the rename fails after the temporary file
        // was written.
        let blocked = dir.path().join("a-folder");
        fs::create_dir(&blocked).unwrap();
        fs::write(blocked.join("inside"), "x").unwrap();
        assert!(write(&blocked, b"new").is_err());
        assert_eq!(fs::read_to_string(blocked.join("inside")).unwrap(), "x");
        assert_eq!(fs::read_to_string(&path).unwrap(), "kept");
        assert_eq!(names(dir.path()), ["a-folder", "settings.toml"]);
        // A missing folder: a clear error, nothing created.
        let err = write(&dir.path().join("missing/file"), b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn folders_are_created_and_tightened_to_the_user_alone() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("data/outbox");
        create_dir(&deep).unwrap();
        assert_eq!(mode(&deep), 0o700);
        assert_eq!(mode(&dir.path().join("data")), 0o700);
        // An existing folder is not touched by create_dir, only by make_private.
        fs::set_permissions(&deep, fs::Permissions::from_mode(0o755)).unwrap();
        create_dir(&deep).unwrap();
        assert_eq!(mode(&deep), 0o755);
        make_private(&deep).unwrap();
        assert_eq!(mode(&deep), 0o700);

        let file = deep.join("visit-rating.log");
        fs::write(&file, "x").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        make_private(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        // Stricter than needed stays as it is.
        fs::set_permissions(&file, fs::Permissions::from_mode(0o400)).unwrap();
        make_private(&file).unwrap();
        assert_eq!(mode(&file), 0o400);
        fs::set_permissions(&deep, fs::Permissions::from_mode(0o750)).unwrap();
        make_private(&deep).unwrap();
        assert_eq!(mode(&deep), 0o700);
    }

    #[test]
    fn appends_go_to_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sent.log");
        append(&path, b"one\n").unwrap();
        append(&path, b"two\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "one\ntwo\n");
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_lock_is_held_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sent.log.lock");
        let held = lock(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        let other = File::open(&path).unwrap();
        assert!(matches!(
            other.try_lock(),
            Err(fs::TryLockError::WouldBlock)
        ));
        drop(held);
        assert!(other.try_lock().is_ok());
    }

    #[test]
    fn a_named_pipe_is_written_through_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("report");
        let made = std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let pipe = pipe.clone();
            std::thread::Builder::new()
                .name("pipe-reader".into())
                .spawn(move || fs::read(pipe).unwrap())
                .unwrap()
        };
        write(&pipe, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert!(fs::metadata(&pipe).unwrap().file_type().is_fifo());
        assert_eq!(names(dir.path()), ["report"]);
    }

    #[test]
    fn temporary_files_are_recognised_by_name() {
        assert!(is_temp_name(".config.toml.a1B2c3.tmp"));
        assert!(!is_temp_name("config.toml"));
        assert!(!is_temp_name("0c5a.json"));
    }

    #[test]
    fn writing_during_a_frame_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let _frame = crate::blocking::in_frame();
        let caught = std::panic::catch_unwind(|| write(&path, b"x"));
        assert!(caught.is_err());
        assert!(!path.exists());
    }
}
