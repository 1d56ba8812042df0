System.Console.WriteLine(WinsockSpi.Probe.Value);
