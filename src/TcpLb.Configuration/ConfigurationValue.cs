using System;
using System.Globalization;

namespace TcpLb.Configuration
{
    /// <summary>Reads the scalar kinds of the schema (whole numbers, durations, flags, text) with errors that show the value and what is accepted.</summary>
    internal static class ConfigurationValue
    {
        public const string DurationForms = DurationText.Forms;

        public static int Integer(ConfigurationNode node, BindingContext at, int min, int max)
        {
            string accepted = max == int.MaxValue ? $"a whole number, {min} or more" : $"a whole number from {min} to {max}";
            if (node.Kind != ConfigurationNodeKind.Integer)
            {
                throw Bad(node, at, $"{Describe(node)}, not a whole number", accepted);
            }
            long value = (long)node.Value!;
            if (value < min || value > max)
            {
                throw Bad(node, at, "out of range", accepted);
            }
            return (int)value;
        }

        /// <summary>A duration: milliseconds as an integer, or a string with a unit.</summary>
        public static TimeSpan Duration(ConfigurationNode node, BindingContext at, int minMilliseconds, string? zeroMeans = null)
        {
            string accepted = $"{DurationForms}; {minMilliseconds} ms or more{(zeroMeans == null ? "" : $" (0: {zeroMeans})")}, up to {int.MaxValue} ms";
            double milliseconds;
            if (node.Kind == ConfigurationNodeKind.Integer)
            {
                milliseconds = (long)node.Value!;
            }
            else if (node.Kind == ConfigurationNodeKind.String)
            {
                if (!DurationText.TryParse((string)node.Value!, out milliseconds))
                {
                    throw Bad(node, at, "not a duration", accepted);
                }
            }
            else
            {
                throw Bad(node, at, $"{Describe(node)}, not a duration", accepted);
            }
            if (milliseconds < minMilliseconds || milliseconds > int.MaxValue)
            {
                throw Bad(node, at, "out of range", accepted);
            }
            return TimeSpan.FromMilliseconds(Math.Round(milliseconds));
        }

        public static bool Boolean(ConfigurationNode node, BindingContext at)
        {
            if (node.Kind != ConfigurationNodeKind.Boolean)
            {
                throw Bad(node, at, $"{Describe(node)}, not true or false", "true or false");
            }
            return (bool)node.Value!;
        }

        public static string Text(ConfigurationNode node, BindingContext at, string accepted)
        {
            if (node.Kind != ConfigurationNodeKind.String)
            {
                throw Bad(node, at, $"{Describe(node)}, not a string", accepted);
            }
            string text = (string)node.Value!;
            if (text.Length == 0)
            {
                throw Bad(node, at, "empty", accepted);
            }
            return text;
        }

        public static ConfigurationNode Milliseconds(TimeSpan duration) => ConfigurationNode.Scalar((long)Math.Round(duration.TotalMilliseconds));

        /// <summary>"{key} = {value} is not valid ({why}). Accepted: {accepted}."</summary>
        public static ConfigurationException Bad(ConfigurationNode node, BindingContext at, string why, string accepted)
            => at.Error(node, $"{Show(node)} is not valid ({why}). Accepted: {accepted}.");

        /// <summary>The value as the file wrote it, near enough: strings quoted.</summary>
        public static string Show(ConfigurationNode node)
        {
            switch (node.Kind)
            {
                case ConfigurationNodeKind.String:
                    return "\"" + (string)node.Value! + "\"";
                case ConfigurationNodeKind.Integer:
                    return ((long)node.Value!).ToString(CultureInfo.InvariantCulture);
                case ConfigurationNodeKind.Float:
                    return ((double)node.Value!).ToString("R", CultureInfo.InvariantCulture);
                case ConfigurationNodeKind.Boolean:
                    return (bool)node.Value! ? "true" : "false";
                case ConfigurationNodeKind.Table:
                    return "a table";
                case ConfigurationNodeKind.List:
                    return "a list";
                default:
                    return "null";
            }
        }

        public static string Describe(ConfigurationNode node)
        {
            switch (node.Kind)
            {
                case ConfigurationNodeKind.String:
                    return "a string";
                case ConfigurationNodeKind.Integer:
                    return "a whole number";
                case ConfigurationNodeKind.Float:
                    return "a fractional number";
                case ConfigurationNodeKind.Boolean:
                    return "a true/false value";
                case ConfigurationNodeKind.Table:
                    return "a table";
                case ConfigurationNodeKind.List:
                    return "a list";
                default:
                    return "null";
            }
        }
    }
}
