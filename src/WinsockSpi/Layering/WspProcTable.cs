using System.Net;
using System.Net.Sockets;
using WinsockSpi.Operations;
using WinsockSpi.Provider;
using WinsockSpi.Sockets;

namespace WinsockSpi.Layering;

/// <summary>
/// A procedure table (WSPPROC_TABLE, plus the WSPStartup export) as a class of delegates: what a layered provider
/// receives from the provider below it. Unlike an <see cref="IWspProvider"/>, a table can lack entries, which is
/// how a bogus table is modelled (LSP-2).
/// </summary>
/// <remarks>
/// <para>Build one from a provider with <see cref="FromProvider"/>; leave entries out with <see cref="Without(WspEntry)"/>,
/// or with an object initializer (<c>new WspProcTable(table) { Send = null }</c>). A table is immutable once built
/// and thread-safe to read.</para>
/// <para>Source: the Microsoft reference pages "WSPPROC_TABLE structure" and "WSPStartup function" (lpProcTable), and
/// "Windows Sockets Error Codes", which says WSAEINVALIDPROCTABLE is returned when a provider hands back a bogus
/// table, usually one with a NULL function pointer.</para>
/// </remarks>
public sealed class WspProcTable
{
    private static readonly WspEntry[] s_entries = Enum.GetValues<WspEntry>();

    /// <summary>Creates an empty table: every entry is missing until set by an object initializer.</summary>
    public WspProcTable()
    {
    }

    /// <summary>Creates a copy of <paramref name="source"/>; an object initializer may then replace or clear entries.</summary>
    /// <param name="source">The table to copy.</param>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is <see langword="null"/>.</exception>
    public WspProcTable(WspProcTable source)
        : this(source, except: null)
    {
    }

    private WspProcTable(WspProcTable source, WspEntry? except)
    {
        ArgumentNullException.ThrowIfNull(source);
        ProviderId = source.ProviderId;
        Startup = except == WspEntry.Startup ? null : source.Startup;
        Cleanup = except == WspEntry.Cleanup ? null : source.Cleanup;
        Socket = except == WspEntry.Socket ? null : source.Socket;
        DuplicateSocket = except == WspEntry.DuplicateSocket ? null : source.DuplicateSocket;
        CloseSocket = except == WspEntry.CloseSocket ? null : source.CloseSocket;
        SetLinger = except == WspEntry.SetLinger ? null : source.SetLinger;
        SetBlocking = except == WspEntry.SetBlocking ? null : source.SetBlocking;
        Bind = except == WspEntry.Bind ? null : source.Bind;
        Listen = except == WspEntry.Listen ? null : source.Listen;
        Accept = except == WspEntry.Accept ? null : source.Accept;
        Connect = except == WspEntry.Connect ? null : source.Connect;
        Shutdown = except == WspEntry.Shutdown ? null : source.Shutdown;
        Send = except == WspEntry.Send ? null : source.Send;
        Receive = except == WspEntry.Receive ? null : source.Receive;
        GetOverlappedResult = except == WspEntry.GetOverlappedResult ? null : source.GetOverlappedResult;
        CancelBlockingCall = except == WspEntry.CancelBlockingCall ? null : source.CancelBlockingCall;
        EventSelect = except == WspEntry.EventSelect ? null : source.EventSelect;
        EnumNetworkEvents = except == WspEntry.EnumNetworkEvents ? null : source.EnumNetworkEvents;
        GetSockName = except == WspEntry.GetSockName ? null : source.GetSockName;
        GetPeerName = except == WspEntry.GetPeerName ? null : source.GetPeerName;
    }

    /// <summary>Gets the id (catalog GUID) of the provider the table belongs to.</summary>
    public Guid ProviderId { get; init; }

    /// <summary>Gets WSPStartup.</summary>
    public WspStartupProc? Startup { get; init; }

    /// <summary>Gets lpWSPCleanup.</summary>
    public WspCleanupProc? Cleanup { get; init; }

    /// <summary>Gets lpWSPSocket.</summary>
    public WspSocketProc? Socket { get; init; }

    /// <summary>Gets lpWSPDuplicateSocket.</summary>
    public WspDuplicateSocketProc? DuplicateSocket { get; init; }

    /// <summary>Gets lpWSPCloseSocket.</summary>
    public WspCloseSocketProc? CloseSocket { get; init; }

    /// <summary>Gets lpWSPSetSockOpt for SO_LINGER.</summary>
    public WspSetLingerProc? SetLinger { get; init; }

    /// <summary>Gets lpWSPIoctl for FIONBIO.</summary>
    public WspSetBlockingProc? SetBlocking { get; init; }

    /// <summary>Gets lpWSPBind.</summary>
    public WspBindProc? Bind { get; init; }

    /// <summary>Gets lpWSPListen.</summary>
    public WspListenProc? Listen { get; init; }

    /// <summary>Gets lpWSPAccept.</summary>
    public WspAcceptProc? Accept { get; init; }

    /// <summary>Gets lpWSPConnect.</summary>
    public WspConnectProc? Connect { get; init; }

    /// <summary>Gets lpWSPShutdown.</summary>
    public WspShutdownProc? Shutdown { get; init; }

    /// <summary>Gets lpWSPSend.</summary>
    public WspSendProc? Send { get; init; }

    /// <summary>Gets lpWSPRecv.</summary>
    public WspReceiveProc? Receive { get; init; }

    /// <summary>Gets lpWSPGetOverlappedResult.</summary>
    public WspGetOverlappedResultProc? GetOverlappedResult { get; init; }

    /// <summary>Gets lpWSPCancelBlockingCall.</summary>
    public WspCancelBlockingCallProc? CancelBlockingCall { get; init; }

    /// <summary>Gets lpWSPEventSelect.</summary>
    public WspEventSelectProc? EventSelect { get; init; }

    /// <summary>Gets lpWSPEnumNetworkEvents.</summary>
    public WspEnumNetworkEventsProc? EnumNetworkEvents { get; init; }

    /// <summary>Gets lpWSPGetSockName.</summary>
    public WspGetSockNameProc? GetSockName { get; init; }

    /// <summary>Gets lpWSPGetPeerName.</summary>
    public WspGetPeerNameProc? GetPeerName { get; init; }

    /// <summary>Gets whether every entry is present: only then may a layer use the table (LSP-2).</summary>
    public bool IsComplete
    {
        get
        {
            foreach (var entry in s_entries)
            {
                if (GetEntry(entry) is null)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Gets the names of the missing entries (the <see cref="WspEntry"/> names), in table order; empty when complete.</summary>
    public IReadOnlyList<string> MissingEntries
    {
        get
        {
            var missing = new List<string>();
            foreach (var entry in s_entries)
            {
                if (GetEntry(entry) is null)
                {
                    missing.Add(entry.ToString());
                }
            }

            return missing;
        }
    }

    /// <summary>Builds the complete table of <paramref name="provider"/>: each entry calls the provider's member.</summary>
    /// <param name="provider">The provider.</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="provider"/> is <see langword="null"/>.</exception>
    public static WspProcTable FromProvider(IWspProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return new WspProcTable
        {
            ProviderId = provider.ProviderId,
            Startup = provider.Startup,
            Cleanup = provider.Cleanup,
            Socket = provider.Socket,
            DuplicateSocket = provider.DuplicateSocket,
            CloseSocket = provider.CloseSocket,
            SetLinger = provider.SetLinger,
            SetBlocking = provider.SetBlocking,
            Bind = provider.Bind,
            Listen = provider.Listen,
            Accept = provider.Accept,
            Connect = provider.Connect,
            Shutdown = provider.Shutdown,
            Send = provider.Send,
            Receive = provider.Receive,
            GetOverlappedResult = provider.GetOverlappedResult,
            CancelBlockingCall = provider.CancelBlockingCall,
            EventSelect = provider.EventSelect,
            EnumNetworkEvents = provider.EnumNetworkEvents,
            GetSockName = provider.GetSockName,
            GetPeerName = provider.GetPeerName,
        };
    }

    /// <summary>Gets one entry.</summary>
    /// <param name="entry">The entry.</param>
    /// <returns>The delegate, or <see langword="null"/> when missing.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="entry"/> is not a defined entry.</exception>
    public Delegate? GetEntry(WspEntry entry) => entry switch
    {
        WspEntry.Startup => Startup,
        WspEntry.Cleanup => Cleanup,
        WspEntry.Socket => Socket,
        WspEntry.DuplicateSocket => DuplicateSocket,
        WspEntry.CloseSocket => CloseSocket,
        WspEntry.SetLinger => SetLinger,
        WspEntry.SetBlocking => SetBlocking,
        WspEntry.Bind => Bind,
        WspEntry.Listen => Listen,
        WspEntry.Accept => Accept,
        WspEntry.Connect => Connect,
        WspEntry.Shutdown => Shutdown,
        WspEntry.Send => Send,
        WspEntry.Receive => Receive,
        WspEntry.GetOverlappedResult => GetOverlappedResult,
        WspEntry.CancelBlockingCall => CancelBlockingCall,
        WspEntry.EventSelect => EventSelect,
        WspEntry.EnumNetworkEvents => EnumNetworkEvents,
        WspEntry.GetSockName => GetSockName,
        WspEntry.GetPeerName => GetPeerName,
        _ => throw new ArgumentOutOfRangeException(nameof(entry), entry, "Not an entry of the procedure table."),
    };

    /// <summary>Returns a copy of the table with <paramref name="entry"/> missing (a NULL function pointer, LSP-2).</summary>
    /// <param name="entry">The entry to leave out.</param>
    /// <returns>The new table; this one is unchanged.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="entry"/> is not a defined entry.</exception>
    public WspProcTable Without(WspEntry entry)
    {
        if (!Enum.IsDefined(entry))
        {
            throw new ArgumentOutOfRangeException(nameof(entry), entry, "Not an entry of the procedure table.");
        }

        return new WspProcTable(this, entry);
    }

    /// <summary>Returns a copy of the table with the entry named <paramref name="entryName"/> missing (LSP-2).</summary>
    /// <param name="entryName">A <see cref="WspEntry"/> name, for example <c>"Send"</c> (case-sensitive).</param>
    /// <returns>The new table; this one is unchanged.</returns>
    /// <exception cref="ArgumentException"><paramref name="entryName"/> names no entry.</exception>
    public WspProcTable Without(string entryName)
    {
        ArgumentNullException.ThrowIfNull(entryName);
        if (!Enum.TryParse<WspEntry>(entryName, ignoreCase: false, out var entry) || !Enum.IsDefined(entry) || int.TryParse(entryName, out _))
        {
            throw new ArgumentException($"'{entryName}' names no entry of the procedure table.", nameof(entryName));
        }

        return new WspProcTable(this, entry);
    }

    /// <summary>
    /// Wraps the table as an <see cref="IWspProvider"/> whose members call the entries, so that a complete table can be
    /// used wherever a provider is expected (in a catalog, under a layer).
    /// </summary>
    /// <returns>The provider. It is thread-safe as far as the entries are.</returns>
    /// <exception cref="InvalidOperationException">The table is not complete (<see cref="MissingEntries"/> says what lacks).</exception>
    public IWspProvider ToProvider()
    {
        var missing = MissingEntries;
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"The procedure table lacks {string.Join(", ", missing)}; only a complete table can act as a provider.");
        }

        return new TableProvider(this);
    }

    /// <summary>Shows the provider id and what is missing.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var missing = MissingEntries;
        return missing.Count == 0
            ? $"proc table of {ProviderId:B} (complete)"
            : $"proc table of {ProviderId:B} (missing {string.Join(", ", missing)})";
    }

    /// <summary>A complete table seen as a provider: each member calls its entry.</summary>
    private sealed class TableProvider(WspProcTable table) : IWspProvider
    {
        public Guid ProviderId => table.ProviderId;

        public WsaError Startup(WinsockVersion requested, out WspData data, IUpcalls? upcalls = null) => table.Startup!(requested, out data, upcalls);

        public SpiResult Cleanup() => table.Cleanup!();

        public SpiResult<SocketHandle> Socket(AddressFamily family, SocketType type, ProtocolType protocol) => table.Socket!(family, type, protocol);

        public SpiResult<SocketHandle> DuplicateSocket(SocketHandle socket) => table.DuplicateSocket!(socket);

        public SpiResult CloseSocket(SocketHandle socket) => table.CloseSocket!(socket);

        public SpiResult SetLinger(SocketHandle socket, bool enabled, int seconds) => table.SetLinger!(socket, enabled, seconds);

        public SpiResult SetBlocking(SocketHandle socket, bool blocking) => table.SetBlocking!(socket, blocking);

        public SpiResult Bind(SocketHandle socket, EndPoint localEndPoint) => table.Bind!(socket, localEndPoint);

        public SpiResult Listen(SocketHandle socket, int backlog) => table.Listen!(socket, backlog);

        public SpiResult<SocketHandle> Accept(SocketHandle socket) => table.Accept!(socket);

        public SpiResult Connect(SocketHandle socket, EndPoint remoteEndPoint) => table.Connect!(socket, remoteEndPoint);

        public SpiResult Shutdown(SocketHandle socket, SocketShutdown how) => table.Shutdown!(socket, how);

        public SpiResult<int> Send(SocketHandle socket, ReadOnlyMemory<byte> data, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
            => table.Send!(socket, data, overlapped, routine);

        public SpiResult<int> Receive(SocketHandle socket, Memory<byte> buffer, WsaOverlapped? overlapped = null, CompletionRoutine? routine = null)
            => table.Receive!(socket, buffer, overlapped, routine);

        public SpiResult<int> GetOverlappedResult(SocketHandle socket, WsaOverlapped? overlapped, bool wait) => table.GetOverlappedResult!(socket, overlapped, wait);

        public SpiResult CancelBlockingCall() => table.CancelBlockingCall!();

        public SpiResult EventSelect(SocketHandle socket, WsaEvent? eventObject, NetworkEvents events) => table.EventSelect!(socket, eventObject, events);

        public SpiResult<NetworkEventRecord> EnumNetworkEvents(SocketHandle socket, WsaEvent? resetEvent = null) => table.EnumNetworkEvents!(socket, resetEvent);

        public SpiResult<EndPoint> GetSockName(SocketHandle socket) => table.GetSockName!(socket);

        public SpiResult<EndPoint> GetPeerName(SocketHandle socket) => table.GetPeerName!(socket);

        public override string ToString() => table.ToString();
    }
}
