using System;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// When a connection is tried again on another backend (HAProxy's <c>retry-on</c>). Each
    /// attempt, a connect retry or a replay, counts against <see cref="TcpBalancerOptions.Retries"/>.
    /// A replay sends the client's bytes (at most 64 KiB, held until the backend's first byte) and
    /// its FIN again to the next backend: safe only when the first backend cannot have acted on them.
    /// </summary>
    [Flags]
    public enum RetryConditions
    {
        /// <summary>Never try another backend: a failed connect is a failed client.</summary>
        None = 0,

        /// <summary>
        /// The connection to the backend could not be opened (refused, unreachable, timed out): the
        /// backend never saw a byte, so trying the next one is always safe. On by default.
        /// </summary>
        ConnectFailure = 1,

        /// <summary>
        /// The backend reset the connection before its first byte, while every byte the client sent
        /// is still held: replayed to the next backend. A backend that crashed or was stopped right
        /// after accepting has its unread bytes thrown away by the kernel, so in the common case
        /// nothing was acted on and failover stays lossless. Risk: a backend that read a request,
        /// acted on it and then reset gets it done twice. On by default.
        /// </summary>
        Reset = 2,

        /// <summary>
        /// The backend closed the connection cleanly (FIN) before its first byte: replayed. Off by
        /// default: a clean close is a normal end for upload-only protocols, where the backend
        /// has already taken the bytes, so replaying delivers them again (at least once, not exactly once).
        /// </summary>
        EmptyResponse = 4,

        /// <summary>
        /// The backend left the client's bytes unanswered past <see cref="TcpBalancerOptions.ResponseTimeout"/>:
        /// replayed. Off by default: a slow backend may still act on the request, so it is done
        /// twice (at least once). Without it a response timeout resets the client.
        /// </summary>
        ResponseTimeout = 8,
    }
}
