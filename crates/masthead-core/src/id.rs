//! Ghost-compatible identifiers: 24 lowercase hex characters, laid out like a MongoDB ObjectId
//! (4 bytes of seconds since the epoch, then 8 random bytes) so they sort roughly by creation.

use std::fmt;

use rand::RngCore;

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ObjectId(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("an id is 24 hexadecimal characters, got {0:?}")]
pub struct InvalidObjectId(pub String);

impl ObjectId {
    pub fn new() -> Self {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as u32)
            .unwrap_or_default();
        let mut bytes = [0u8; 12];
        bytes[..4].copy_from_slice(&seconds.to_be_bytes());
        rand::rng().fill_bytes(&mut bytes[4..]);
        Self(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn parse(value: &str) -> Result<Self, InvalidObjectId> {
        if value.len() == 24 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(value.to_ascii_lowercase()))
        } else {
            Err(InvalidObjectId(value.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for ObjectId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectId({})", self.0)
    }
}

impl TryFrom<String> for ObjectId {
    type Error = InvalidObjectId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ObjectId> for String {
    fn from(id: ObjectId) -> Self {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_24_hex_and_distinct() {
        let a = ObjectId::new();
        let b = ObjectId::new();
        assert_eq!(a.as_str().len(), 24);
        assert!(ObjectId::parse(a.as_str()).is_ok());
        assert_ne!(a, b);
    }

    #[test]
    fn parse_rejects_wrong_length_and_non_hex() {
        assert!(ObjectId::parse("abc").is_err());
        assert!(ObjectId::parse("zzzzzzzzzzzzzzzzzzzzzzzz").is_err());
        assert_eq!(
            ObjectId::parse("5F0C0D0E0F0A0B0C0D0E0F0A").map(|id| id.to_string()),
            Ok("5f0c0d0e0f0a0b0c0d0e0f0a".to_owned())
        );
    }
}
