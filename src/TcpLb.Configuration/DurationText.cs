using System;
using System.Globalization;

namespace TcpLb.Configuration
{
    /// <summary>
    /// A duration written as text with a unit ("250ms", "2s", "1.5m", "1h"): the one parser for
    /// configuration files and for the cmdlets' time parameters, so both accept the same values.
    /// </summary>
    public static class DurationText
    {
        /// <summary>The forms a duration takes, for error messages.</summary>
        public const string Forms = "milliseconds as a whole number (2000), or a string with a unit: \"500ms\", \"2s\", \"1.5m\", \"1h\"";

        /// <summary>Milliseconds from text with a unit (ms, s, m, h); false for anything else, a bare number included.</summary>
        public static bool TryParse(string text, out double milliseconds)
        {
            milliseconds = 0;
            string trimmed = text.Trim().ToLowerInvariant();
            double unit;
            string number;
            if (trimmed.EndsWith("ms", StringComparison.Ordinal))
            {
                unit = 1;
                number = trimmed.Substring(0, trimmed.Length - 2);
            }
            else if (trimmed.EndsWith("s", StringComparison.Ordinal))
            {
                unit = 1000;
                number = trimmed.Substring(0, trimmed.Length - 1);
            }
            else if (trimmed.EndsWith("m", StringComparison.Ordinal))
            {
                unit = 60_000;
                number = trimmed.Substring(0, trimmed.Length - 1);
            }
            else if (trimmed.EndsWith("h", StringComparison.Ordinal))
            {
                unit = 3_600_000;
                number = trimmed.Substring(0, trimmed.Length - 1);
            }
            else
            {
                return false;
            }
            if (!double.TryParse(number.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount))
            {
                return false;
            }
            milliseconds = amount * unit;
            return true;
        }
    }
}
