using System;
using System.Collections.Generic;
using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>
    /// The toxics of one direction as one <see cref="ILoopChunkShaper"/>, in order, as ToxicPipe chains
    /// the stream toxics: each stage decides on what the stages before it let through. A stage that
    /// let bytes through is not asked about them again (a latency is not paid twice while a later
    /// stage paces them); a cut takes effect once the bytes before it are through; the first stage
    /// to reset or close the connection, or to wait, decides for the chain. Loop thread only.
    /// </summary>
    internal sealed class LoopToxicChain : ILoopChunkShaper
    {
        private readonly ILoopChunkShaper[] _stages;
        private readonly int[] _released; // bytes each stage let through that have not been sent yet
        private int _cutAt = -1; // the stage that cut, once its bytes are through; -1: none

        private LoopToxicChain(ILoopChunkShaper[] stages)
        {
            _stages = stages;
            _released = new int[stages.Length];
        }

        /// <summary>The decision form of each toxic given, chained: null for none, the toxic itself for one.</summary>
        public static ILoopChunkShaper? Create(IReadOnlyList<IToxicSource> toxics)
        {
            if (toxics == null || toxics.Count == 0)
            {
                return null;
            }
            if (toxics.Count == 1)
            {
                return CreateOne(toxics[0]);
            }
            var stages = new ILoopChunkShaper[toxics.Count];
            for (int i = 0; i < stages.Length; i++)
            {
                stages[i] = CreateOne(toxics[i]);
            }
            return new LoopToxicChain(stages);
        }

        /// <summary>The decision form of one toxic (as ToxicFactory makes the stream form).</summary>
        public static ILoopChunkShaper CreateOne(IToxicSource source)
        {
            switch (source.Current.Type)
            {
                case ToxicType.Latency: return new LatencyShaper(source);
                case ToxicType.Bandwidth: return new BandwidthShaper(source);
                case ToxicType.SlowClose: return new SlowCloseShaper(source);
                case ToxicType.Timeout: return new TimeoutShaper(source);
                case ToxicType.ResetPeer: return new ResetPeerShaper(source);
                case ToxicType.Slicer: return new SlicerShaper(source);
                case ToxicType.LimitData: return new LimitDataShaper(source);
                default: throw new ArgumentOutOfRangeException(nameof(source), source.Current.Type, "Unknown toxic type.");
            }
        }

        public ShapeAction Shape(long now, int pending, out int allowed, out long wakeAt)
        {
            allowed = 0;
            wakeAt = 0;
            int available = pending;
            for (int i = 0; i < _stages.Length; i++)
            {
                if (pending > 0 && _released[i] > 0)
                {
                    // Already let through by this stage: on to the next, without asking again.
                    available = Math.Min(available, _released[i]);
                    continue;
                }
                if (pending > 0 && i == _cutAt)
                {
                    // Everything before the cut is through: the FIN now.
                    _cutAt = -1;
                    return ShapeAction.Cut;
                }
                ShapeAction action = _stages[i].Shape(now, available, out int stageAllowed, out long stageWake);
                wakeAt = Earliest(wakeAt, stageWake);
                if (pending == 0 || available == 0)
                {
                    if (action == ShapeAction.Close || action == ShapeAction.Reset)
                    {
                        return action;
                    }
                    continue; // a turn with nothing pending: only whole-connection decisions count
                }
                stageAllowed = Math.Max(0, Math.Min(stageAllowed, available));
                switch (action)
                {
                    case ShapeAction.Send:
                        _released[i] = stageAllowed;
                        available = stageAllowed;
                        break;
                    case ShapeAction.Cut:
                        _released[i] = stageAllowed;
                        available = stageAllowed;
                        _cutAt = i;
                        break;
                    case ShapeAction.Drop:
                        // Dropped here: the stages before let those bytes through, and they are gone now.
                        Consume(i, stageAllowed);
                        allowed = stageAllowed;
                        return ShapeAction.Drop;
                    default:
                        return action; // Wait, Close or Reset
                }
            }
            if (pending == 0)
            {
                return ShapeAction.Send;
            }
            allowed = available;
            Consume(_stages.Length, available);
            if (_cutAt >= 0 && _released[_cutAt] == 0)
            {
                // The cut's bytes all go in this send: FIN after them.
                _cutAt = -1;
                return ShapeAction.Cut;
            }
            return ShapeAction.Send;
        }

        public ShapeAction ShapeFin(long now, out long wakeAt)
        {
            wakeAt = 0;
            for (int i = 0; i < _stages.Length; i++)
            {
                ShapeAction action = _stages[i].ShapeFin(now, out long stageWake);
                wakeAt = Earliest(wakeAt, stageWake);
                if (action != ShapeAction.Send && action != ShapeAction.Cut)
                {
                    return action;
                }
            }
            return ShapeAction.Send;
        }

        /// <summary><paramref name="count"/> bytes are through (sent, or dropped at <paramref name="upTo"/>): the stages before it let them go.</summary>
        private void Consume(int upTo, int count)
        {
            for (int i = 0; i < upTo; i++)
            {
                _released[i] = Math.Max(0, _released[i] - count);
            }
        }

        private static long Earliest(long a, long b) => a == 0 ? b : b == 0 ? a : Math.Min(a, b);
    }
}
