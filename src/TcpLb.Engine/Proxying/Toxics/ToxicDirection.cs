namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>Which way of a connection a toxic acts on (toxiproxy's stream).</summary>
    public enum ToxicDirection
    {
        /// <summary>Backend to client: what the client receives. The default, as in toxiproxy.</summary>
        Downstream,

        /// <summary>Client to backend: what the backend receives.</summary>
        Upstream,
    }
}
