using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using TcpLb.Dashboard;
using TcpLb.Engine.Balancing;
using TcpLbModule.Jobs;

namespace TcpLbModule.Dashboard
{
    /// <summary>
    /// The dashboard's view of the process: every running balancer job, by job name. Balancers that
    /// toxiproxy's API creates become balancer jobs of the runspace that started the dashboard
    /// (Get-Job lists them, Remove-Module stops them); a deleted one is stopped and removed.
    /// </summary>
    internal sealed class JobBalancerCatalog : IBalancerCatalog
    {
        private readonly JobRepository _jobs;
        private readonly Runspace? _runspace;

        public JobBalancerCatalog(JobRepository jobs, Runspace? runspace)
        {
            _jobs = jobs;
            _runspace = runspace;
        }

        public IReadOnlyList<NamedBalancer> List()
            => Running().Select(job => new NamedBalancer(job.Name, job.Balancer)).ToList();

        public NamedBalancer Create(string name, TcpBalancerOptions options)
        {
            var balancer = new TcpBalancer(options);
            try
            {
                balancer.Start();
            }
            catch
            {
                balancer.Dispose();
                throw;
            }
            // The job registers with the runspace that is current on this thread: the dashboard's
            // request threads have none, so the dashboard's runspace stands in while it is made.
            Runspace? previous = Runspace.DefaultRunspace;
            Runspace.DefaultRunspace = _runspace;
            try
            {
                var job = new TcpBalancerJob("toxiproxy API: create proxy " + name, name, balancer);
                _jobs.Add(job);
                return new NamedBalancer(job.Name, balancer);
            }
            finally
            {
                Runspace.DefaultRunspace = previous;
            }
        }

        public bool Remove(string name)
        {
            TcpBalancerJob? job = Running().FirstOrDefault(j => string.Equals(j.Name, name, StringComparison.OrdinalIgnoreCase));
            if (job == null)
            {
                return false;
            }
            job.StopJob();
            try
            {
                _jobs.Remove(job);
            }
            catch (ArgumentException)
            {
                // Another runspace's job: stopped, its own Get-Job still lists it.
            }
            return true;
        }

        private static IEnumerable<TcpBalancerJob> Running()
            => ModuleJobRegistry.RunningInProcess().OfType<TcpBalancerJob>().Where(job => !job.IsFinished);
    }
}
