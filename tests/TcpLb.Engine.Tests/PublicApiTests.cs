using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using TcpLb.Engine.Balancing;
using Xunit.Abstractions;

namespace TcpLb.Engine.Tests
{
    /// <summary>
    /// The engine's public surface is tracked in PublicAPI.txt beside this file, one line per public
    /// (or protected) type and member, as Kestrel tracks its surface: a change to it shows in review
    /// as a change to that file. Set TCPLB_UPDATE_PUBLIC_API=1 and run this test to rewrite the file.
    /// </summary>
    public sealed class PublicApiTests
    {
        private readonly ITestOutputHelper _output;

        public PublicApiTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void The_engine_public_surface_is_the_one_in_PublicAPI_txt()
        {
            string path = Path.Combine(RepositoryRoot(), "tests", "TcpLb.Engine.Tests", "PublicAPI.txt");
            string[] actual = Surface(typeof(TcpBalancer).Assembly);
            if (Environment.GetEnvironmentVariable("TCPLB_UPDATE_PUBLIC_API") == "1")
            {
                File.WriteAllLines(path, actual);
            }
            string[] expected = File.Exists(path) ? File.ReadAllLines(path).Where(l => l.Length > 0).ToArray() : Array.Empty<string>();
            string[] added = actual.Except(expected, StringComparer.Ordinal).ToArray();
            string[] removed = expected.Except(actual, StringComparer.Ordinal).ToArray();
            foreach (string line in added)
            {
                _output.WriteLine("+ " + line);
            }
            foreach (string line in removed)
            {
                _output.WriteLine("- " + line);
            }
            Assert.True(added.Length == 0 && removed.Length == 0,
                $"The engine's public surface differs from {path} ({added.Length} added, {removed.Length} removed; the test output lists them):\n"
                + string.Join("\n", added.Select(l => "+ " + l).Concat(removed.Select(l => "- " + l)).Take(40))
                + "\nIf the change is meant, run with TCPLB_UPDATE_PUBLIC_API=1 and commit the file.");
        }

        [Fact]
        public void Pumps_stamps_and_parsers_are_not_public()
        {
            string[] types = typeof(TcpBalancer).Assembly.GetExportedTypes().Select(t => t.Name).ToArray();
            foreach (string name in new[] { "DuplexPump", "ActivityStamp", "ProxyHeaderParser", "ProxyHeaderReader", "ProxyHeaderWriter", "ProxyHeader", "AddressBits", "SourceVerdict", "ProxyConnection", "ConnectionTable", "BackendScheduler" })
            {
                Assert.DoesNotContain(name, types);
            }
        }

        /// <summary>One sorted line per public type and per public or protected member of a public type.</summary>
        internal static string[] Surface(Assembly assembly)
        {
            var lines = new List<string>();
            foreach (Type type in assembly.GetExportedTypes())
            {
                lines.Add(TypeLine(type));
                const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
                foreach (MemberInfo member in type.GetMembers(all))
                {
                    string? line = MemberLine(type, member);
                    if (line != null)
                    {
                        lines.Add(line);
                    }
                }
            }
            return lines.Distinct(StringComparer.Ordinal).OrderBy(l => l, StringComparer.Ordinal).ToArray();
        }

        private static string TypeLine(Type type)
        {
            string kind = type.IsEnum ? "enum" : type.IsInterface ? "interface" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class" : (type.IsAbstract ? "abstract class" : type.IsSealed ? "sealed class" : "class");
            var bases = new List<string>();
            if (type.BaseType != null && type.BaseType != typeof(object) && type.BaseType != typeof(ValueType) && type.BaseType != typeof(Enum))
            {
                bases.Add(Name(type.BaseType));
            }
            // Only interfaces the type adds itself: those of its base (an enum's, System.Exception's) vary with the runtime.
            Type[] inherited = type.IsEnum ? type.GetInterfaces() : type.BaseType?.GetInterfaces() ?? Type.EmptyTypes;
            bases.AddRange(type.GetInterfaces().Except(inherited).Where(i => i.IsPublic || i.IsNestedPublic).Select(Name).OrderBy(n => n, StringComparer.Ordinal));
            return $"{Name(type)}: {kind}" + (bases.Count > 0 ? " : " + string.Join(", ", bases) : string.Empty);
        }

        private static string? MemberLine(Type type, MemberInfo member)
        {
            string prefix = Name(type) + ".";
            if (type.IsSealed && member is MethodBase method && !method.IsPublic)
            {
                return null; // protected on a sealed type: nobody outside can reach it
            }
            switch (member)
            {
                case ConstructorInfo c when Visible(c):
                    return prefix + ".ctor(" + Parameters(c) + ")";
                case MethodInfo m when Visible(m) && !m.IsSpecialName:
                    return prefix + (m.IsStatic ? "static " : string.Empty) + (m.IsAbstract ? "abstract " : m.IsVirtual && !m.IsFinal && m.GetBaseDefinition() == m ? "virtual " : string.Empty)
                        + m.Name + (m.IsGenericMethod ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.Name)) + ">" : string.Empty)
                        + "(" + Parameters(m) + ") -> " + Name(m.ReturnType);
                case MethodInfo op when Visible(op) && op.IsSpecialName && op.Name.StartsWith("op_", StringComparison.Ordinal):
                    return prefix + "static " + op.Name + "(" + Parameters(op) + ") -> " + Name(op.ReturnType);
                case PropertyInfo p:
                    MethodInfo? get = p.GetMethod != null && Visible(p.GetMethod) ? p.GetMethod : null;
                    MethodInfo? set = p.SetMethod != null && Visible(p.SetMethod) ? p.SetMethod : null;
                    if (get == null && set == null)
                    {
                        return null;
                    }
                    string index = p.GetIndexParameters().Length > 0 ? "[" + string.Join(", ", p.GetIndexParameters().Select(x => Name(x.ParameterType))) + "]" : string.Empty;
                    return prefix + ((get ?? set)!.IsStatic ? "static " : string.Empty) + p.Name + index + " { " + (get != null ? "get; " : string.Empty) + (set != null ? "set; " : string.Empty) + "} -> " + Name(p.PropertyType);
                case EventInfo e when e.AddMethod != null && Visible(e.AddMethod):
                    return prefix + "event " + e.Name + " -> " + Name(e.EventHandlerType!);
                case FieldInfo f when (f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly) && !f.IsSpecialName:
                    return prefix + (f.IsLiteral ? "const " : f.IsStatic ? "static " : string.Empty) + (f.IsInitOnly ? "readonly " : string.Empty) + f.Name + " -> " + Name(f.FieldType)
                        + (type.IsEnum ? " = " + Convert.ToInt64(f.GetRawConstantValue()) : string.Empty);
                case Type nested when nested.IsNestedPublic:
                    return null; // listed as a type of its own
                default:
                    return null;
            }
        }

        private static bool Visible(MethodBase m) => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly;

        private static string Parameters(MethodBase m)
            => string.Join(", ", m.GetParameters().Select(p => (p.IsOut ? "out " : p.ParameterType.IsByRef ? (p.IsIn ? "in " : "ref ") : string.Empty) + Name(p.ParameterType) + (p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : string.Empty)));

        private static string Name(Type type)
        {
            if (type.IsByRef)
            {
                return Name(type.GetElementType()!);
            }
            if (type.IsArray)
            {
                return Name(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
            }
            if (type.IsGenericParameter)
            {
                return type.Name;
            }
            Type? underlying = Nullable.GetUnderlyingType(type);
            if (underlying != null)
            {
                return Name(underlying) + "?";
            }
            string name = type.IsNested ? Name(type.DeclaringType!) + "+" + type.Name : (type.Namespace != null ? type.Namespace + "." : string.Empty) + type.Name;
            if (type.IsGenericType)
            {
                int tick = name.LastIndexOf('`');
                if (tick >= 0)
                {
                    name = name.Substring(0, tick);
                }
                name += "<" + string.Join(", ", type.GetGenericArguments().Select(Name)) + ">";
            }
            return name;
        }

        private static string RepositoryRoot()
        {
            for (DirectoryInfo? dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (Directory.Exists(Path.Combine(dir.FullName, "tests", "TcpLb.Engine.Tests")) && Directory.Exists(Path.Combine(dir.FullName, "src", "TcpLb.Engine")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("Cannot find the repository root (tests/TcpLb.Engine.Tests and src/TcpLb.Engine) above " + AppContext.BaseDirectory);
        }
    }
}
