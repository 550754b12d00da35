// This project has nothing to run: its point is its build output. `dotnet build samples/AnalyzerTour`
// lists every ShardGen rule once, each on the line of code that breaks it (see README.md).
System.Console.WriteLine("AnalyzerTour: the point of this project is its build output. Run `dotnet build samples/AnalyzerTour` and read the SG warnings.");
