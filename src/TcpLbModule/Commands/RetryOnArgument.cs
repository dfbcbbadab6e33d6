using System;
using System.Management.Automation;
using TcpLb.Engine.Balancing;

namespace TcpLbModule.Commands
{
    /// <summary>How -NoReplay and -RetryOn go together: -NoReplay is short for -RetryOn ConnectFailure, so both may be given only when -RetryOn replays nothing.</summary>
    internal static class RetryOnArgument
    {
        public static void EnsureNoReplayFits(PSCmdlet cmdlet, bool noReplay, RetryConditions? retryOn)
        {
            if (noReplay && retryOn.HasValue && (retryOn.Value & TcpBalancerOptions.ReplayConditions) != 0)
            {
                RetryConditions replaying = retryOn.Value & TcpBalancerOptions.ReplayConditions;
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"-NoReplay and -RetryOn {retryOn.Value} disagree: {replaying} replays a connection's bytes to another backend, and -NoReplay says never. Give -RetryOn without {replaying}, or leave -NoReplay out."),
                    "NoReplayConflictsWithRetryOn",
                    ErrorCategory.InvalidArgument,
                    retryOn.Value));
            }
        }
    }
}
