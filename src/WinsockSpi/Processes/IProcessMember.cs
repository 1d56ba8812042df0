namespace WinsockSpi.Processes;

/// <summary>Something loaded into a simulated process that must be torn down when the process dies.</summary>
internal interface IProcessMember
{
    /// <summary>Releases everything the member holds for the process, without any notification (PRC-2).</summary>
    void OnProcessTerminated();
}
