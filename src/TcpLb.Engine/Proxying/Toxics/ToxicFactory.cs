using System;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>Makes the toxic of a type for one direction of one connection.</summary>
    internal static class ToxicFactory
    {
        public static IToxic Create(IToxicSource source)
        {
            switch (source.Current.Type)
            {
                case ToxicType.Latency: return new LatencyToxic(source);
                case ToxicType.Bandwidth: return new BandwidthToxic(source);
                case ToxicType.SlowClose: return new SlowCloseToxic(source);
                case ToxicType.Timeout: return new TimeoutToxic(source);
                case ToxicType.ResetPeer: return new ResetPeerToxic(source);
                case ToxicType.Slicer: return new SlicerToxic(source);
                case ToxicType.LimitData: return new LimitDataToxic(source);
                default: throw new ArgumentOutOfRangeException(nameof(source), source.Current.Type, "Unknown toxic type.");
            }
        }
    }
}
