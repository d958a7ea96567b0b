//! GraphQL over WebSocket, `graphql-transport-ws` protocol (the `graphql-ws` library's), on
//! `GET /graphql` with `Upgrade: websocket`. Written here rather than taken from
//! `async-graphql-axum`, whose service has no `connection_init` timeout, no cap on
//! subscriptions per connection, a 64 MB frame limit, and runs operations without this
//! server's document limits. Here:
//! - `connection_init` must arrive within [`WsConfig::init_timeout`] (else close `4408`); its
//!   payload carries the credentials (`{"authorization": "Bearer …"}`), checked like the HTTP
//!   `Authorization` header (which is used when the payload has none); a bad token closes
//!   with `4403`; a second `connection_init` closes with `4429`;
//! - `subscribe` before the acknowledgement closes with `4401`; a duplicate id with `4409`;
//!   invalid messages with `4400`; more than [`WsConfig::max_subscriptions`] at once get an
//!   `error` message coded `TOO_MANY_SUBSCRIPTIONS`;
//! - messages are limited to [`WsConfig::max_message_bytes`];
//! - every operation goes through [`crate::App::execute_stream_as`]: the same limits, access
//!   scope and transactions as over HTTP;
//! - a client that reads too slowly (its outgoing buffer is full) is closed with `1013`, and
//!   never slows the others; the server closes every connection with `1001` when it shuts down.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::Response;
use futures::{SinkExt as _, StreamExt as _};
use serde::Deserialize;
use serde_json::json;
use sharaka_domain::{Lang, Principal};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::auth::AuthError;
use crate::error::Code;

/// The subprotocol spoken.
pub const PROTOCOL: &str = "graphql-transport-ws";

/// Messages waiting to be written to one client before it counts as too slow.
const OUTGOING_BUFFER: usize = 256;

/// The WebSocket transport's guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WsConfig {
    /// How long a client has to send `connection_init`.
    pub init_timeout: Duration,
    /// How many subscriptions one connection may run at once.
    pub max_subscriptions: usize,
    /// The largest message (and frame) a client may send.
    pub max_message_bytes: usize,
}

impl Default for WsConfig {
    fn default() -> Self {
        Self {
            init_timeout: Duration::from_secs(10),
            max_subscriptions: 20,
            max_message_bytes: 64 * 1024,
        }
    }
}

/// Close codes of the protocol (and two of RFC 6455).
mod close {
    pub const GOING_AWAY: u16 = 1001;
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    pub const INTERNAL: u16 = 1011;
    pub const TRY_AGAIN_LATER: u16 = 1013;
    pub const BAD_REQUEST: u16 = 4400;
    pub const UNAUTHORIZED: u16 = 4401;
    pub const FORBIDDEN: u16 = 4403;
    pub const SUBPROTOCOL_NOT_ACCEPTABLE: u16 = 4406;
    pub const INIT_TIMEOUT: u16 = 4408;
    pub const DUPLICATE_SUBSCRIBER: u16 = 4409;
    pub const TOO_MANY_INITIALISATIONS: u16 = 4429;
}

/// A client's message.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<serde_json::Value>,
    },
    Ping {
        #[serde(default)]
        payload: Option<serde_json::Value>,
    },
    Pong {},
    Subscribe {
        id: String,
        payload: Box<async_graphql::Request>,
    },
    Complete {
        id: String,
    },
}

/// What the connection's tasks tell its main loop.
enum Control {
    /// The subscription ended on its own (after `complete` or `error` was sent).
    Done(String),
    /// The client does not read its messages fast enough.
    TooSlow,
}

/// Upgrades `GET /graphql` to a WebSocket speaking [`PROTOCOL`].
pub fn upgrade(
    app: crate::App,
    upgrade: WebSocketUpgrade,
    headers: &HeaderMap,
    lang: Lang,
) -> Response {
    let config = app.config().websocket;
    let header_auth = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let upgrade = upgrade
        .protocols([PROTOCOL])
        .max_message_size(config.max_message_bytes)
        .max_frame_size(config.max_message_bytes);
    let accepted = upgrade.selected_protocol().is_some();
    upgrade.on_upgrade(move |socket| async move {
        let connection = Connection {
            app,
            config,
            header_auth,
            lang,
            principal: None,
            subscriptions: HashMap::new(),
        };
        connection.run(socket, accepted).await;
    })
}

struct Connection {
    app: crate::App,
    config: WsConfig,
    header_auth: Option<String>,
    lang: Lang,
    principal: Option<Principal>,
    subscriptions: HashMap<String, JoinHandle<()>>,
}

/// Why the connection ends, as a close frame (or silently, when the client went away).
type Ending = Option<(u16, String)>;

impl Connection {
    async fn run(mut self, socket: WebSocket, accepted: bool) {
        // Counts open WebSocket connections in `/metrics` while they live.
        let _gauge = crate::metrics::GaugeGuard::new("sharaka_websocket_connections");
        let (mut sink, mut incoming) = socket.split();
        let (out, mut outgoing) = mpsc::channel::<String>(OUTGOING_BUFFER);
        let (close_tx, close_rx) = oneshot::channel::<(u16, String)>();
        let writer = tokio::spawn(async move {
            let mut close_rx = close_rx;
            loop {
                tokio::select! {
                    biased;
                    frame = &mut close_rx => {
                        if let Ok((code, reason)) = frame {
                            let _ = sink
                                .send(Message::Close(Some(CloseFrame {
                                    code,
                                    reason: Utf8Bytes::from(reason),
                                })))
                                .await;
                        }
                        break;
                    }
                    message = outgoing.recv() => match message {
                        Some(text) => {
                            if sink.send(Message::Text(Utf8Bytes::from(text))).await.is_err() {
                                break;
                            }
                        }
                        None => break,
                    },
                }
            }
            let _ = sink.close().await;
        });
        let ending = if accepted {
            self.serve(&mut incoming, &out).await
        } else {
            Some((
                close::SUBPROTOCOL_NOT_ACCEPTABLE,
                format!("Subprotocol not acceptable: this server speaks `{PROTOCOL}`"),
            ))
        };
        for (_, task) in self.subscriptions.drain() {
            task.abort();
        }
        if let Some(frame) = ending {
            let _ = close_tx.send(frame);
        }
        drop(out);
        // The writer ends once the close frame is out (or the client is gone).
        let _ = tokio::time::timeout(Duration::from_secs(5), writer).await;
    }

    /// The main loop: reads the client's messages until the connection ends.
    async fn serve(
        &mut self,
        incoming: &mut futures::stream::SplitStream<WebSocket>,
        out: &mpsc::Sender<String>,
    ) -> Ending {
        let (control_tx, mut control) = mpsc::unbounded_channel::<Control>();
        let mut closing = self.app.live.closing();
        if *closing.borrow() {
            return Some((close::GOING_AWAY, "the server is shutting down".to_owned()));
        }
        let init_deadline = tokio::time::sleep(self.config.init_timeout);
        tokio::pin!(init_deadline);
        let mut initialising = false;
        loop {
            tokio::select! {
                () = &mut init_deadline, if self.principal.is_none() => {
                    return Some((close::INIT_TIMEOUT, "Connection initialisation timeout".to_owned()));
                }
                _ = closing.changed() => {
                    return Some((close::GOING_AWAY, "the server is shutting down".to_owned()));
                }
                Some(signal) = control.recv() => match signal {
                    Control::Done(id) => { self.subscriptions.remove(&id); }
                    Control::TooSlow => {
                        return Some((
                            close::TRY_AGAIN_LATER,
                            "the client reads its messages too slowly; reconnect".to_owned(),
                        ));
                    }
                },
                message = incoming.next() => {
                    let text = match message {
                        None | Some(Ok(Message::Close(_))) => return None,
                        Some(Err(error)) => {
                            // The WebSocket layer refuses oversized messages; say so (1009).
                            let error = error.to_string();
                            return error
                                .contains("too long")
                                .then(|| (close::MESSAGE_TOO_BIG, format!("Message too big: the limit is {} bytes", self.config.max_message_bytes)));
                        }
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Binary(_))) => {
                            return Some((close::BAD_REQUEST, "Invalid message received: binary messages are not part of the protocol".to_owned()));
                        }
                        // Pings are answered by the WebSocket layer itself.
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    };
                    let message = match serde_json::from_str::<ClientMessage>(text.as_str()) {
                        Ok(message) => message,
                        Err(error) => {
                            return Some((close::BAD_REQUEST, format!("Invalid message received: {}", short(&error.to_string()))));
                        }
                    };
                    match message {
                        ClientMessage::ConnectionInit { payload } => {
                            if initialising || self.principal.is_some() {
                                return Some((close::TOO_MANY_INITIALISATIONS, "Too many initialisation requests".to_owned()));
                            }
                            initialising = true;
                            match self.authenticate(payload.as_ref()).await {
                                Ok(principal) => {
                                    self.principal = Some(principal);
                                    send(out, json!({"type": "connection_ack"}))?;
                                }
                                Err(AuthError::Unavailable) => {
                                    return Some((close::INTERNAL, "credentials could not be checked right now; try again".to_owned()));
                                }
                                Err(error) => return Some((close::FORBIDDEN, format!("Forbidden: {}", short(&error.to_string())))),
                            }
                        }
                        ClientMessage::Ping { payload } => {
                            let mut pong = json!({"type": "pong"});
                            if let Some(payload) = payload {
                                pong["payload"] = payload;
                            }
                            send(out, pong)?;
                        }
                        ClientMessage::Pong {} => {}
                        ClientMessage::Subscribe { id, payload } => {
                            let Some(principal) = self.principal.clone() else {
                                return Some((close::UNAUTHORIZED, "Unauthorized: send connection_init first".to_owned()));
                            };
                            if self.subscriptions.contains_key(&id) {
                                return Some((close::DUPLICATE_SUBSCRIBER, format!("Subscriber for {} already exists", short(&id))));
                            }
                            if self.subscriptions.len() >= self.config.max_subscriptions {
                                let error = json!({
                                    "type": "error",
                                    "id": id,
                                    "payload": [{
                                        "message": format!(
                                            "this connection already runs {} subscriptions, the most allowed; complete one first",
                                            self.config.max_subscriptions
                                        ),
                                        "extensions": {"code": Code::TooManySubscriptions.as_str()},
                                    }],
                                });
                                send(out, error)?;
                                continue;
                            }
                            let task = tokio::spawn(operation(
                                self.app.clone(),
                                id.clone(),
                                *payload,
                                principal,
                                self.lang,
                                out.clone(),
                                control_tx.clone(),
                            ));
                            self.subscriptions.insert(id, task);
                        }
                        ClientMessage::Complete { id } => {
                            if let Some(task) = self.subscriptions.remove(&id) {
                                task.abort();
                            }
                        }
                    }
                }
            }
        }
    }

    /// The principal of the connection: the payload's credentials, else the upgrade
    /// request's `Authorization` header, else anonymous.
    async fn authenticate(
        &self,
        payload: Option<&serde_json::Value>,
    ) -> Result<Principal, AuthError> {
        let from_payload = payload.and_then(|payload| {
            ["authorization", "Authorization"]
                .iter()
                .find_map(|key| payload.get(*key).and_then(|v| v.as_str()))
                .map(str::to_owned)
                .or_else(|| {
                    payload
                        .get("token")
                        .and_then(|v| v.as_str())
                        .map(|token| format!("Bearer {token}"))
                })
        });
        let header = from_payload.or_else(|| self.header_auth.clone());
        self.app.authenticate(header.as_deref()).await
    }
}

/// Runs one operation and sends its results as `next` messages, then `complete`; a request
/// that fails before execution gets one `error` message instead.
async fn operation(
    app: crate::App,
    id: String,
    request: async_graphql::Request,
    principal: Principal,
    lang: Lang,
    out: mpsc::Sender<String>,
    control: mpsc::UnboundedSender<Control>,
) {
    let mut responses = app.execute_stream_as(request, principal, lang);
    let mut first = true;
    while let Some(mut response) = responses.next().await {
        crate::http::finish_errors(&mut response.errors);
        let message = if first && response.data == async_graphql::Value::Null && response.is_err() {
            json!({"type": "error", "id": id, "payload": response.errors})
        } else {
            json!({"type": "next", "id": id, "payload": response})
        };
        let is_error = message["type"] == "error";
        first = false;
        if send(&out, message).is_none() {
            let _ = control.send(Control::TooSlow);
            return;
        }
        if is_error {
            let _ = control.send(Control::Done(id));
            return;
        }
    }
    if send(&out, json!({"type": "complete", "id": id})).is_none() {
        let _ = control.send(Control::TooSlow);
        return;
    }
    let _ = control.send(Control::Done(id));
}

/// Queues a message for the client; `None` when its buffer is full (or it is gone).
fn send(out: &mpsc::Sender<String>, message: serde_json::Value) -> Option<()> {
    out.try_send(message.to_string()).ok()
}

/// A close reason must fit in a control frame (123 bytes): keep client text short.
fn short(text: &str) -> String {
    let mut end = text.len().min(80);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}
