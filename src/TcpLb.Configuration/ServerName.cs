using System.Globalization;

namespace TcpLb.Configuration
{
    /// <summary>
    /// The rule for the name of a balancer or backend (its job's name, a detached server's registry
    /// entry), the one source for the cmdlets' -Name and the files' name key: 1 to
    /// <see cref="MaxLength"/> characters, none of them a control character.
    /// </summary>
    public static class ServerName
    {
        public const int MaxLength = 128;

        /// <summary>What is accepted, for error messages and help.</summary>
        public static readonly string Accepted = $"a name of 1 to {MaxLength} characters (letters, digits, spaces and punctuation; no control characters such as a new line or tab)";

        /// <summary>Why <paramref name="name"/> is not accepted, or null when it is.</summary>
        public static string? WhyNot(string name)
        {
            if (name.Length == 0)
            {
                return "empty";
            }
            if (name.Length > MaxLength)
            {
                return $"{name.Length.ToString(CultureInfo.InvariantCulture)} characters, more than {MaxLength}";
            }
            for (int i = 0; i < name.Length; i++)
            {
                if (char.IsControl(name[i]))
                {
                    return $"a control character, U+{((int)name[i]).ToString("X4", CultureInfo.InvariantCulture)}, at position {(i + 1).ToString(CultureInfo.InvariantCulture)}";
                }
            }
            return null;
        }

        /// <summary>A name as an error message quotes it: at most its first 40 characters, control characters escaped.</summary>
        public static string Shown(string name)
        {
            var shown = new System.Text.StringBuilder();
            for (int i = 0; i < name.Length && i < 40; i++)
            {
                char c = name[i];
                shown.Append(char.IsControl(c) ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : c.ToString());
            }
            return name.Length > 40 ? shown + "..." : shown.ToString();
        }
    }
}
