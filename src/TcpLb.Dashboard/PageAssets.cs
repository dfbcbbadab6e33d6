using System;
using System.Collections.Generic;
using System.IO;

namespace TcpLb.Dashboard
{
    /// <summary>The status page's files, embedded in the assembly (Page/*), by path.</summary>
    internal sealed class PageAssets
    {
        private const string Prefix = "TcpLb.Dashboard.Page.";
        private readonly Dictionary<string, Reply> _byPath = new Dictionary<string, Reply>(StringComparer.Ordinal);

        public PageAssets()
        {
            var assembly = typeof(PageAssets).Assembly;
            foreach (string resource in assembly.GetManifestResourceNames())
            {
                if (!resource.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    continue;
                }
                string file = resource.Substring(Prefix.Length);
                using (Stream stream = assembly.GetManifestResourceStream(resource)!)
                using (var copy = new MemoryStream())
                {
                    stream.CopyTo(copy);
                    _byPath["/" + file] = new Reply(200, ContentTypeOf(file), copy.ToArray());
                }
            }
            if (_byPath.TryGetValue("/index.html", out Reply? index))
            {
                _byPath["/"] = index;
            }
        }

        public Reply? Find(string path) => _byPath.TryGetValue(path, out Reply? reply) ? reply : null;

        private static string ContentTypeOf(string file)
        {
            switch (Path.GetExtension(file))
            {
                case ".html": return "text/html; charset=utf-8";
                case ".js": return "text/javascript; charset=utf-8";
                case ".css": return "text/css; charset=utf-8";
                case ".svg": return "image/svg+xml";
                default: return "application/octet-stream";
            }
        }
    }
}
