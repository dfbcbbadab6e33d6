using System;
using System.Collections.Generic;
using System.Management.Automation.Language;
using TcpLb.Configuration;

namespace TcpLbModule.Configuration
{
    /// <summary>
    /// Reads a .psd1 configuration file with PowerShell's own parser into the neutral tree, each
    /// key with its line. Nothing in the file runs: like Import-PowerShellDataFile, only constants
    /// (strings, numbers, $true, $false, $null), hashtables and arrays are accepted; a using
    /// statement, a script block or nesting deeper than <see cref="MaxDepth"/> is an error.
    /// </summary>
    internal static class PowerShellDataFileReader
    {
        /// <summary>Hashtables and arrays nested deeper than this are refused (a configuration needs a handful).</summary>
        private const int MaxDepth = 64;

        private const string Accepted = "A PowerShell data file is read without running it, so it may hold only strings, numbers, $true, $false, $null, hashtables @{ } and arrays @( ).";

        public static ConfigurationNode Read(string path)
        {
            ScriptBlockAst script = Parser.ParseFile(path, out _, out ParseError[] errors);
            // Before the parse errors: a module that is not found is one of them.
            if (script.UsingStatements.Count > 0)
            {
                UsingStatementAst statement = script.UsingStatements[0];
                throw new ConfigurationException(path, statement.Extent.StartLineNumber, null, $"'{statement.Extent.Text}' is not accepted: a configuration file imports nothing. {Accepted} Remove the line.");
            }
            if (errors.Length > 0)
            {
                ParseError first = errors[0];
                throw new ConfigurationException(path, first.Extent.StartLineNumber, null, $"not a valid PowerShell data file: {first.Message}");
            }
            ExpressionAst? root = null;
            if (script.ParamBlock == null && script.BeginBlock == null && script.ProcessBlock == null && script.EndBlock != null && script.EndBlock.Statements.Count == 1)
            {
                root = Expression(script.EndBlock.Statements[0]);
            }
            if (!(root is HashtableAst))
            {
                throw new ConfigurationException(path, root?.Extent.StartLineNumber ?? 1, null, "a PowerShell data file must hold one hashtable, @{ Server = @( @{ ... } ) }, and nothing else.");
            }
            return Convert(root, path, 1);
        }

        private static ConfigurationNode Convert(ExpressionAst expression, string path, int depth)
        {
            int line = expression.Extent.StartLineNumber;
            if (depth > MaxDepth)
            {
                throw new ConfigurationException(path, line, null, $"values are nested deeper than {MaxDepth} levels of hashtables and arrays. Accepted: at most {MaxDepth} levels; a configuration needs a handful (Server, Forward, Backends, one backend's settings).");
            }
            switch (expression)
            {
                case HashtableAst hashtable:
                    ConfigurationNode table = ConfigurationNode.Table(line);
                    foreach (Tuple<ExpressionAst, StatementAst> pair in hashtable.KeyValuePairs)
                    {
                        if (!(pair.Item1 is ConstantExpressionAst key))
                        {
                            throw NotConstant(pair.Item1, path);
                        }
                        ExpressionAst? entry = Expression(pair.Item2);
                        if (entry == null)
                        {
                            throw NotConstant(pair.Item2, path);
                        }
                        table.Add(System.Convert.ToString(key.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "", Convert(entry, path, depth + 1));
                    }
                    return table;
                case ArrayExpressionAst array:
                    ConfigurationNode list = ConfigurationNode.List(line);
                    foreach (StatementAst statement in array.SubExpression.Statements)
                    {
                        ExpressionAst? item = Expression(statement);
                        if (item == null)
                        {
                            throw NotConstant(statement, path);
                        }
                        AddItems(list, item, path, depth);
                    }
                    return list;
                case ArrayLiteralAst literal:
                    ConfigurationNode items = ConfigurationNode.List(line);
                    AddItems(items, literal, path, depth);
                    return items;
                case ParenExpressionAst paren:
                    ExpressionAst? inner = Expression(paren.Pipeline);
                    return inner == null ? throw NotConstant(paren, path) : Convert(inner, path, depth + 1);
                case ScriptBlockExpressionAst scriptBlock:
                    throw new ConfigurationException(path, line, null, $"'{Shortened(scriptBlock.Extent.Text)}' is a script block, which is not accepted (it would never run, and its text is no value). {Accepted}");
                default:
                    object? constant;
                    try
                    {
                        constant = expression.SafeGetValue();
                    }
                    catch (InvalidOperationException)
                    {
                        throw NotConstant(expression, path);
                    }
                    if (constant != null && !(constant is string || constant is bool || constant is decimal || constant.GetType().IsPrimitive))
                    {
                        throw NotConstant(expression, path);
                    }
                    return constant == null ? ConfigurationNode.Null(line) : ConfigurationNode.Scalar(constant, line);
            }
        }

        /// <summary>"1, 2" and "@(1, 2)" inside an array are its items, not a nested list.</summary>
        private static void AddItems(ConfigurationNode list, ExpressionAst item, string path, int depth)
        {
            if (item is ArrayLiteralAst literal)
            {
                foreach (ExpressionAst element in literal.Elements)
                {
                    list.Items.Add(Convert(element, path, depth + 1));
                }
                return;
            }
            list.Items.Add(Convert(item, path, depth + 1));
        }

        /// <summary>The expression a statement is made of, when it is a plain expression (no command, no pipe).</summary>
        private static ExpressionAst? Expression(StatementAst statement)
        {
            if (statement is PipelineAst pipeline && pipeline.PipelineElements.Count == 1 && pipeline.PipelineElements[0] is CommandExpressionAst command && command.Redirections.Count == 0)
            {
                return command.Expression;
            }
            return null;
        }

        private static ConfigurationException NotConstant(Ast ast, string path)
            => new ConfigurationException(path, ast.Extent.StartLineNumber, null, $"'{Shortened(ast.Extent.Text)}' is not a constant. {Accepted}");

        /// <summary>Code quoted in an error: its first line, at most 200 characters.</summary>
        private static string Shortened(string text)
        {
            int newLine = text.IndexOfAny(new[] { '\r', '\n' });
            string first = newLine >= 0 ? text.Substring(0, newLine) : text;
            return first.Length > 200 || newLine >= 0 ? first.Substring(0, Math.Min(first.Length, 200)) + "..." : first;
        }
    }
}
