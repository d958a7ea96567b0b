//! Opaque global IDs: base64url of `Kind:localId`, so a client can refetch any node with
//! `node(id)` and never builds IDs itself.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;

/// Encodes a global ID.
pub fn encode(kind: &str, local: &str) -> async_graphql::ID {
    // A dashboard answer encodes thousands of IDs: the plain text is put together on the
    // stack when it fits (it always does for this server's ids), so that only the ID itself
    // is allocated.
    let len = kind.len() + 1 + local.len();
    let mut stack = [0u8; 128];
    let mut heap = Vec::new();
    let plain = match stack.get_mut(..len) {
        Some(plain) => plain,
        None => {
            heap.resize(len, 0);
            &mut heap[..]
        }
    };
    let (head, tail) = plain.split_at_mut(kind.len());
    head.copy_from_slice(kind.as_bytes());
    if let Some((colon, rest)) = tail.split_first_mut() {
        *colon = b':';
        rest.copy_from_slice(local.as_bytes());
    }
    async_graphql::ID(URL_SAFE_NO_PAD.encode(plain))
}

/// Decodes a global ID into its kind and local id.
pub fn decode(id: &str) -> Result<(String, String), ApiError> {
    let bad = || {
        ApiError::bad_input(format!(
            "`{}` is not a valid ID",
            id.chars().take(64).collect::<String>()
        ))
    };
    let bytes = URL_SAFE_NO_PAD.decode(id).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    if text.contains('\0') {
        return Err(bad());
    }
    let (kind, local) = text.split_once(':').ok_or_else(bad)?;
    if kind.is_empty() || local.is_empty() {
        return Err(bad());
    }
    Ok((kind.to_owned(), local.to_owned()))
}

/// Decodes a global ID that must name a record of `kind`.
pub fn decode_kind(id: &str, kind: &str) -> Result<String, ApiError> {
    let (found, local) = decode(id)?;
    if found != kind {
        return Err(ApiError::bad_input(format!(
            "ID names a {found}, not a {kind}"
        )));
    }
    Ok(local)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_garbage() {
        let id = encode("Organisation", "org:dgapr");
        // base64url, unpadded, of `Organisation:org:dgapr`.
        assert_eq!(id.as_str(), "T3JnYW5pc2F0aW9uOm9yZzpkZ2Fwcg");
        assert_eq!(
            decode(&id).ok(),
            Some(("Organisation".into(), "org:dgapr".into()))
        );
        assert!(decode("%%%").is_err());
        // Longer than the stack buffer: put together on the heap.
        let long = "x".repeat(300);
        assert_eq!(
            decode(&encode("Project", &long)).ok(),
            Some(("Project".into(), long))
        );
        assert!(decode_kind(&id, "Agreement").is_err());
    }
}
