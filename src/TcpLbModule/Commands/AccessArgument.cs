using System;
using System.Management.Automation;
using TcpLb.Engine.Access;

namespace TcpLbModule.Commands
{
    /// <summary>Turns -AllowFrom, -DenyFrom and -ConnectionRatePerSource into engine values, or a terminating error that names the bad value.</summary>
    internal static class AccessArgument
    {
        public static AccessRules Rules(PSCmdlet cmdlet, string[]? allowFrom, string[]? denyFrom)
        {
            foreach ((string parameter, string[]? texts) in new[] { ("-AllowFrom", allowFrom), ("-DenyFrom", denyFrom) })
            {
                foreach (string text in texts ?? Array.Empty<string>())
                {
                    if (!AddressRange.TryParse(text, out _, out string? problem))
                    {
                        cmdlet.ThrowTerminatingError(new ErrorRecord(
                            new ArgumentException($"{parameter} '{text}' is not an address or address range: {problem}. Accepted: {AddressRange.AcceptedForms}."),
                            "InvalidAccessRule",
                            ErrorCategory.InvalidArgument,
                            text));
                    }
                }
            }
            return AccessRules.Create(allowFrom, denyFrom);
        }

        public static ConnectionRate Rate(PSCmdlet cmdlet, string? text)
        {
            if (text == null)
            {
                return default;
            }
            try
            {
                return ConnectionRate.Parse(text);
            }
            catch (FormatException e)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("-ConnectionRatePerSource " + e.Message, e),
                    "InvalidConnectionRate",
                    ErrorCategory.InvalidArgument,
                    text));
                throw; // not reached
            }
        }
    }
}
