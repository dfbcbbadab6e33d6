using System.Management.Automation;
using System.Management.Automation.Language;

namespace TcpLbModule.Completion
{
    /// <summary>Turns a value into text that can be typed as an argument, quoted when it must be.</summary>
    internal static class CompletionText
    {
        public static CompletionResult Result(string value, string listItemText, string toolTip, string wordToComplete)
            => new CompletionResult(Quote(value, wordToComplete), listItemText, CompletionResultType.ParameterValue, toolTip);

        /// <summary>The part of what was typed that is the value itself, without an opening quote.</summary>
        public static string Unquoted(string? wordToComplete)
        {
            string word = wordToComplete ?? "";
            return word.Length > 0 && (word[0] == '\'' || word[0] == '"') ? word.Substring(1).TrimEnd(word[0]) : word;
        }

        private static string Quote(string value, string? wordToComplete)
        {
            bool userQuoted = !string.IsNullOrEmpty(wordToComplete) && (wordToComplete![0] == '\'' || wordToComplete[0] == '"');
            if (!userQuoted && IsBareword(value))
            {
                return value;
            }
            return "'" + CodeGeneration.EscapeSingleQuotedStringContent(value) + "'";
        }

        /// <summary>Letters, digits and a few separators parse as one bare string argument.</summary>
        private static bool IsBareword(string value)
        {
            if (value.Length == 0 || value[0] == '-')
            {
                return false;
            }
            foreach (char c in value)
            {
                if (!(char.IsLetterOrDigit(c) || c == ':' || c == '.' || c == '_' || c == '-' || c == '\\' || c == '/'))
                {
                    return false;
                }
            }
            return true;
        }
    }
}
