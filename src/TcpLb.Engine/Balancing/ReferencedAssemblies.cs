using System;
using System.IO;
using System.Reflection;
using System.Threading;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// The assemblies the engine references, loaded before a balancer serves. Loading an assembly
    /// opens its file, which fails once the process is out of descriptors: the loop transport's code
    /// runs lazily on its threads (the replay buffer's first rent loads System.Buffers), so without
    /// this the first connection that needs such code while descriptors ran out faulted, and its
    /// abort faulted the same way, leaving the client neither served nor reset.
    /// </summary>
    internal static class ReferencedAssemblies
    {
        private static int _loaded;

        public static void Load()
        {
            if (Interlocked.Exchange(ref _loaded, 1) != 0)
            {
                return;
            }
            foreach (AssemblyName name in typeof(ReferencedAssemblies).Assembly.GetReferencedAssemblies())
            {
                try
                {
                    Assembly.Load(name);
                }
                catch (Exception e) when (e is FileNotFoundException || e is FileLoadException || e is BadImageFormatException)
                {
                    // Loaded on first use instead, as without this.
                    Interlocked.Exchange(ref _loaded, 0);
                }
            }
        }
    }
}
