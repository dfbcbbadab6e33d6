namespace TcpLb.Configuration
{
    /// <summary>Where the binder is in a file: the file's name and the key path, for error messages.</summary>
    internal sealed class BindingContext
    {
        public BindingContext(string source, string path = "")
        {
            Source = source;
            Path = path;
        }

        public string Source { get; }

        /// <summary>server[0].forward.backends[1]; empty at the top.</summary>
        public string Path { get; }

        public BindingContext Key(string key) => new BindingContext(Source, Path.Length == 0 ? key : Path + "." + key);

        public BindingContext Item(int index) => new BindingContext(Source, Path + "[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]");

        public ConfigurationException Error(ConfigurationNode? node, string problem) => new ConfigurationException(Source, node?.Line, Path.Length == 0 ? null : Path, problem);
    }
}
