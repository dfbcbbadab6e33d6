namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>
    /// Where a toxic reads its settings, each time it uses them: a change reaches connections
    /// already open (a new latency from the next chunk on).
    /// </summary>
    internal interface IToxicSource
    {
        ToxicDefinition Current { get; }

        /// <summary>False once the toxic is removed: the toxics that shape open connections then pass everything on as is.</summary>
        bool IsActive { get; }
    }
}
