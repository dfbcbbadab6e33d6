using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Text;
using TcpLbModule.Jobs;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// In a detached server's process: takes every record the hosted job writes (so that nothing
    /// piles up in a process nobody receives from) and appends it to the server's journal
    /// (<see cref="DetachedJournal"/>), owner-only in the runtime folder.
    /// </summary>
    internal sealed class DetachedJournalWriter : IDisposable
    {
        private readonly object _lock = new object();
        private readonly TcpLbJob _job;
        private readonly string _path;
        private StreamWriter? _writer;
        private long _sequence;
        private int _inFile;

        public DetachedJournalWriter(TcpLbJob job, string folder, string pipeName)
        {
            _job = job;
            _path = DetachedJournal.PathOf(folder, pipeName);
            lock (_lock)
            {
                StartFile();
            }
            job.Output.DataAdded += (sender, e) => Drain();
            job.Error.DataAdded += (sender, e) => Drain();
            job.Warning.DataAdded += (sender, e) => Drain();
            job.Verbose.DataAdded += (sender, e) => Drain();
            job.Debug.DataAdded += (sender, e) => Drain();
            job.Information.DataAdded += (sender, e) => Drain();
            Drain();
        }

        /// <summary>Writes what is left and the job's final state.</summary>
        public void Finish()
        {
            Drain();
            lock (_lock)
            {
                Append(DetachedJournal.Final, _job.JobStateInfo.State.ToString());
            }
        }

        public void Dispose()
        {
            lock (_lock)
            {
                _writer?.Dispose();
                _writer = null;
            }
        }

        private void Drain()
        {
            lock (_lock)
            {
                if (_writer == null)
                {
                    return;
                }
                AppendAll(DetachedJournal.Output, _job.Output.ReadAll());
                AppendAll(DetachedJournal.Error, _job.Error.ReadAll());
                AppendAll(DetachedJournal.Warning, _job.Warning.ReadAll());
                AppendAll(DetachedJournal.Verbose, _job.Verbose.ReadAll());
                AppendAll(DetachedJournal.Debug, _job.Debug.ReadAll());
                AppendAll(DetachedJournal.Information, _job.Information.ReadAll());
            }
        }

        private void AppendAll<T>(char stream, IEnumerable<T> records)
        {
            foreach (T record in records)
            {
                if (record != null)
                {
                    Append(stream, record);
                }
            }
        }

        private void Append(char stream, object record)
        {
            if (_writer == null)
            {
                return;
            }
            if (_inFile >= DetachedJournal.RecordsPerFile)
            {
                _writer.Dispose();
                string old = DetachedJournal.OldPathOf(_path);
                File.Delete(old);
                File.Move(_path, old);
                StartFile();
            }
            _writer.Write(DetachedJournal.Format(++_sequence, stream, record) + "\n");
            _writer.Flush();
            _inFile++;
        }

        private void StartFile()
        {
            var file = new FileStream(_path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            RuntimeFolder.MakeOwnerOnly(_path);
            _writer = new StreamWriter(file, new UTF8Encoding(false));
            _writer.Write(DetachedJournal.GenerationPrefix + Guid.NewGuid().ToString("N") + "\n");
            _writer.Flush();
            _inFile = 0;
        }
    }
}
