using System;
using System.Collections.Generic;
using TcpLb.Engine.Balancing;

namespace TcpLb.Configuration
{
    /// <summary>
    /// Retry conditions in files (<c>retry_on</c>): a list of the enum's names, or one string of
    /// them separated by commas or spaces, without case, '_' or '-'; HAProxy's <c>conn-failure</c>
    /// is taken for ConnectFailure; None or an empty list: no retries.
    /// </summary>
    internal static class RetryConditionNames
    {
        public const string Accepted = "a list of ConnectFailure (conn-failure), Reset, EmptyResponse, ResponseTimeout, or None (case, '_' and '-' do not count), or one string of them separated by commas";

        private static readonly Dictionary<string, RetryConditions> Names = Build();

        public static RetryConditions Read(ConfigurationNode node, BindingContext at)
        {
            var names = new List<(string Text, ConfigurationNode Node, BindingContext At)>();
            if (node.Kind == ConfigurationNodeKind.List)
            {
                for (int i = 0; i < node.Items.Count; i++)
                {
                    names.Add((ConfigurationValue.Text(node.Items[i], at.Item(i), Accepted), node.Items[i], at.Item(i)));
                }
            }
            else
            {
                string text = ConfigurationValue.Text(node, at, Accepted);
                foreach (string part in text.Split(new[] { ',', ' ' }, StringSplitOptions.RemoveEmptyEntries))
                {
                    names.Add((part, node, at));
                }
            }
            RetryConditions conditions = RetryConditions.None;
            foreach ((string text, ConfigurationNode item, BindingContext here) in names)
            {
                if (!Names.TryGetValue(ConfigurationKey.Normalize(text), out RetryConditions one))
                {
                    throw ConfigurationValue.Bad(item, here, $"'{text}' is not a retry condition", Accepted);
                }
                conditions |= one;
            }
            return conditions;
        }

        /// <summary>The conditions as a list of names (an empty list for None).</summary>
        public static ConfigurationNode Write(RetryConditions conditions)
        {
            ConfigurationNode list = ConfigurationNode.List();
            foreach (RetryConditions one in Each(conditions))
            {
                list.Items.Add(ConfigurationNode.Scalar(one.ToString()));
            }
            return list;
        }

        /// <summary>The single conditions set in <paramref name="conditions"/>, in enum order.</summary>
        public static IEnumerable<RetryConditions> Each(RetryConditions conditions)
        {
            foreach (RetryConditions one in (RetryConditions[])Enum.GetValues(typeof(RetryConditions)))
            {
                if (one != RetryConditions.None && (conditions & one) == one)
                {
                    yield return one;
                }
            }
        }

        private static Dictionary<string, RetryConditions> Build()
        {
            var names = new Dictionary<string, RetryConditions>();
            foreach (RetryConditions one in (RetryConditions[])Enum.GetValues(typeof(RetryConditions)))
            {
                names[ConfigurationKey.Normalize(one.ToString())] = one;
            }
            names[ConfigurationKey.Normalize("conn-failure")] = RetryConditions.ConnectFailure;
            return names;
        }
    }
}
