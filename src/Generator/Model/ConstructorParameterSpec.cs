namespace ShardGen.Generator.Model;

/// <summary>A parameter of the constructor the row mapper calls, and the column that feeds it.</summary>
/// <param name="Name">The parameter's name as declared (unescaped).</param>
/// <param name="Column">The index of the column in <see cref="TableSpec.Columns"/>.</param>
internal sealed record ConstructorParameterSpec(string Name, int Column);
