using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// Reads the records of a detached server's journal that this reader has not returned yet:
    /// from where it stopped while the file is the same generation, else the old and the new
    /// file again, skipping the sequence numbers it has seen. Only complete lines are taken.
    /// </summary>
    internal sealed class DetachedJournalReader
    {
        private readonly string _pipeName;
        private string? _generation;
        private long _offset;
        private long _lastSequence;

        public DetachedJournalReader(string pipeName) => _pipeName = pipeName;

        /// <summary>The new records, oldest first, as (stream, record).</summary>
        public List<KeyValuePair<char, object>> ReadNew()
        {
            var records = new List<KeyValuePair<char, object>>();
            string? folder = RuntimeFolder.Existing();
            if (folder == null)
            {
                return records;
            }
            string path = DetachedJournal.PathOf(folder, _pipeName);
            byte[]? current = ReadTrusted(path);
            if (current == null)
            {
                return records;
            }
            string generation = FirstLine(current);
            if (generation != _generation)
            {
                byte[]? old = ReadTrusted(DetachedJournal.OldPathOf(path));
                if (old != null)
                {
                    Take(old, 0, records);
                }
                _generation = generation;
                _offset = 0;
            }
            _offset += Take(current, (int)Math.Min(_offset, current.Length), records);
            return records;
        }

        /// <summary>Parses the complete lines from <paramref name="start"/>; returns the bytes consumed.</summary>
        private int Take(byte[] bytes, int start, List<KeyValuePair<char, object>> records)
        {
            int position = start;
            while (position < bytes.Length)
            {
                int end = Array.IndexOf(bytes, (byte)'\n', position);
                if (end < 0)
                {
                    break;
                }
                string line = Encoding.ASCII.GetString(bytes, position, end - position);
                position = end + 1;
                if (DetachedJournal.TryParse(line, out long sequence, out char stream, out object? record) && sequence > _lastSequence && record != null)
                {
                    _lastSequence = sequence;
                    records.Add(new KeyValuePair<char, object>(stream, record));
                }
            }
            return position - start;
        }

        private static string FirstLine(byte[] bytes)
        {
            int end = Array.IndexOf(bytes, (byte)'\n');
            return end < 0 ? "" : Encoding.ASCII.GetString(bytes, 0, end);
        }

        private static byte[]? ReadTrusted(string path)
        {
            try
            {
                if (!RuntimeFolder.CheckEntry(path))
                {
                    return null;
                }
                using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                using (var copy = new MemoryStream())
                {
                    file.CopyTo(copy);
                    return copy.ToArray();
                }
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                return null;
            }
        }
    }
}
