using System;
using System.Globalization;
using System.Management.Automation;
using TcpLb.Configuration;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// A time parameter: takes a TimeSpan, a string with a unit ('250ms', '2s', '1.5m', '1h',
    /// read by the same parser as the configuration files) or a bare number, which is
    /// milliseconds on every time parameter of the module. The parameter gets whole milliseconds.
    /// An unquoted 2s reaches the cmdlet as the number 2 typed [short] (PowerShell's suffix for
    /// Int16), which would silently be 2 ms: it is refused with the quoted form to use instead.
    /// </summary>
    internal sealed class DurationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) => Convert(inputData);

        /// <summary>What the attribute does, for durations that come in other places (the -Toxic hashtable): milliseconds, or the input itself when it is a number.</summary>
        public static object? Convert(object? inputData)
        {
            object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            switch (value)
            {
                case TimeSpan duration:
                    return Milliseconds(duration.TotalMilliseconds, duration);
                case short typedShort:
                    throw new ArgumentException($"{typedShort} was given as a [short]: PowerShell reads an unquoted {typedShort}s as the number {typedShort}, not as seconds. Quote it ('{typedShort}s'), or give {Accepted}.");
                case string text:
                    string trimmed = text.Trim();
                    if (DurationText.TryParse(trimmed, out double milliseconds))
                    {
                        return Milliseconds(milliseconds, text);
                    }
                    if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out double bare))
                    {
                        return Milliseconds(bare, text);
                    }
                    if (TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out TimeSpan parsed) && trimmed.IndexOf(':') >= 0)
                    {
                        return Milliseconds(parsed.TotalMilliseconds, text);
                    }
                    throw new ArgumentException($"'{text}' is not a duration. Accepted: {Accepted}.");
                default:
                    return inputData; // numbers (milliseconds) and anything else: the parameter's type decides
            }
        }

        private const string Accepted = DurationText.Forms + ", a TimeSpan, or hh:mm:ss";

        private static object Milliseconds(double milliseconds, object shown)
        {
            double rounded = Math.Round(milliseconds);
            if (rounded < int.MinValue || rounded > int.MaxValue)
            {
                throw new ArgumentException($"'{shown}' is {milliseconds.ToString("0.###", CultureInfo.InvariantCulture)} ms, beyond the {int.MaxValue} ms (about 24.8 days) a time parameter takes.");
            }
            return (int)rounded;
        }
    }
}
