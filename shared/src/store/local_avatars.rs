//! Avatar storage for `local-api`: files in the data folder (or memory), served by `local-api`
//! itself under `/avatars/`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use bytes::Bytes;

use super::{AvatarStore, AvatarUpload, StoreError};

/// Path prefix under which `local-api` serves avatar images.
pub const ROUTE_PREFIX: &str = "/avatars/";

/// The local adapter of [`AvatarStore`].
pub struct LocalAvatars {
    /// Folder of the images; `None` keeps them in memory.
    dir: Option<PathBuf>,
    memory: Mutex<HashMap<String, Bytes>>,
    /// Base URL of the server, such as `http://127.0.0.1:3000`.
    base_url: String,
}

impl LocalAvatars {
    pub fn in_memory(base_url: impl Into<String>) -> Self {
        Self { dir: None, memory: Mutex::new(HashMap::new()), base_url: base_url.into() }
    }

    pub fn in_dir(dir: PathBuf, base_url: impl Into<String>) -> Self {
        Self { dir: Some(dir), memory: Mutex::new(HashMap::new()), base_url: base_url.into() }
    }

    /// Reads the image under `key`, or `None` when there is none or the key is not one this
    /// store makes (so a crafted key cannot leave the folder).
    pub async fn get(&self, key: &str) -> Option<(Bytes, &'static str)> {
        let content_type = content_type_of(key)?;
        let bytes = match &self.dir {
            Some(_) => Bytes::from(tokio::fs::read(self.path_of(key)?).await.ok()?),
            None => self.memory.lock().unwrap_or_else(|e| e.into_inner()).get(key)?.clone(),
        };
        Some((bytes, content_type))
    }

    fn path_of(&self, key: &str) -> Option<PathBuf> {
        let safe = key.split('/').all(|part| {
            !part.is_empty() && part != "." && part != ".." && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        });
        Some(self.dir.as_ref()?.join(safe.then_some(key)?))
    }
}

fn content_type_of(key: &str) -> Option<&'static str> {
    if key.ends_with(".png") {
        Some("image/png")
    } else if key.ends_with(".jpg") {
        Some("image/jpeg")
    } else {
        None
    }
}

fn unavailable(error: std::io::Error) -> StoreError {
    StoreError::Unavailable(format!("avatar file access failed: {error}"))
}

impl AvatarStore for LocalAvatars {
    async fn put(&self, key: &str, upload: &AvatarUpload) -> Result<(), StoreError> {
        if self.dir.is_none() {
            self.memory.lock().unwrap_or_else(|e| e.into_inner()).insert(key.to_string(), upload.bytes.clone());
            return Ok(());
        }
        let path = self.path_of(key).ok_or_else(|| StoreError::Unavailable(format!("invalid avatar key {key:?}")))?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(unavailable)?;
        }
        let partial = path.with_extension("partial");
        tokio::fs::write(&partial, &upload.bytes).await.map_err(unavailable)?;
        tokio::fs::rename(&partial, &path).await.map_err(unavailable)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        if self.dir.is_none() {
            self.memory.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
            return Ok(());
        }
        let Some(path) = self.path_of(key) else { return Ok(()) };
        match tokio::fs::remove_file(path).await {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(unavailable(error)),
            _ => Ok(()),
        }
    }

    async fn url(&self, key: &str) -> Result<String, StoreError> {
        Ok(format!("{}{ROUTE_PREFIX}{key}", self.base_url))
    }
}
