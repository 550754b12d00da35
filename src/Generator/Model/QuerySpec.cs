namespace ShardGen.Generator.Model;

/// <summary>How a <c>[Query]</c> method hands back its result.</summary>
internal enum ResultShape
{
    /// <summary><c>Task&lt;List&lt;T&gt;&gt;</c>: every row.</summary>
    List,

    /// <summary><c>Task&lt;T?&gt;</c> of a row type: the first row, or null.</summary>
    Single,

    /// <summary><c>Task&lt;T&gt;</c> of a scalar type: the first column of the first row.</summary>
    Scalar,

    /// <summary><c>IAsyncEnumerable&lt;T&gt;</c>: rows as they arrive.</summary>
    Stream,

    /// <summary><c>Task&lt;int&gt;</c> of a write without RETURNING: the rows it affected.</summary>
    AffectedRows,

    /// <summary><c>Task</c>: a write whose count is not wanted.</summary>
    None,
}

/// <summary>What a method parameter is to the query.</summary>
internal enum QueryParameterKind
{
    /// <summary>A value bound to <c>@name</c> in the SQL.</summary>
    Value,

    /// <summary>A list of values, for <c>= ANY(@name)</c>.</summary>
    List,

    CancellationToken,

    /// <summary><c>ShardGen.QueryOptions</c>: partial results of fan-out reads.</summary>
    Options,
}

/// <summary>A parameter of a <c>[Query]</c> method.</summary>
/// <param name="Name">The name as declared (unescaped).</param>
/// <param name="FullTypeName">The declared type, <c>global::</c>-qualified, with nullable annotation.</param>
/// <param name="Kind">What it is to the query.</param>
/// <param name="Value">For values: the column-like description of the value (or of a list's element); null otherwise or when the type is not supported.</param>
internal sealed record QueryParameterSpec(string Name, string FullTypeName, QueryParameterKind Kind, ColumnSpec? Value);

/// <summary>
/// A <c>[Query]</c> partial method, as read from its symbol: the containing type, the signature, the
/// SQL, and the shape of the result. No SQL has been looked at yet.
/// </summary>
/// <param name="Namespace">The containing type's namespace as C# (empty for the global namespace).</param>
/// <param name="TypeName">The containing type's name.</param>
/// <param name="TypeKeyword">The declaration keyword of the containing type (<c>class</c>, <c>record</c>, <c>struct</c>, <c>record struct</c>).</param>
/// <param name="IsStaticType">Whether the containing type is static.</param>
/// <param name="MethodName">The method's name.</param>
/// <param name="Modifiers">The method's modifiers as written, e.g. <c>public static partial</c>.</param>
/// <param name="ReturnType">The declared return type, <c>global::</c>-qualified.</param>
/// <param name="Parameters">The parameters in order.</param>
/// <param name="Shape">How the result is handed back.</param>
/// <param name="Row">For row results: the row type's columns and constructor; for scalars, one column describing the scalar.</param>
/// <param name="RowIsScalar">Whether the result is a scalar (one column) rather than a row type.</param>
/// <param name="DataSource">The C# expression, inside the method, that gives the <c>ShardedDataSource</c>; null when the type has none.</param>
/// <param name="Sql">The SQL text.</param>
/// <param name="Problem">Why the method itself cannot be generated (signature, containing type, result type); null when it can.</param>
/// <param name="CanHaveBody">Whether a body can be written for the method at all (a partial definition in a top-level, non-generic type): a refused query then gets one that throws, so that the build shows the refusal rather than a missing implementation.</param>
internal sealed record QueryMethodSpec(
    string Namespace,
    string TypeName,
    string TypeKeyword,
    bool IsStaticType,
    string MethodName,
    string Modifiers,
    string ReturnType,
    EquatableArray<QueryParameterSpec> Parameters,
    ResultShape Shape,
    RowSpec? Row,
    bool RowIsScalar,
    string? DataSource,
    string Sql,
    string? Problem,
    bool CanHaveBody = true)
{
    /// <summary>The containing type's name as the definitions' registry knows it.</summary>
    public string QualifiedType => Namespace.Length == 0 ? TypeName : Namespace + "." + TypeName;
}

/// <summary>A type rows are read into: its mapped properties and how it is constructed.</summary>
/// <param name="FullTypeName">The type, <c>global::</c>-qualified.</param>
/// <param name="IsValueType">Whether it is a struct.</param>
/// <param name="Columns">The mapped properties; for a scalar result, one entry for the scalar.</param>
/// <param name="ConstructorParameters">The constructor the mapper calls (empty: the parameterless one).</param>
internal sealed record RowSpec(
    string FullTypeName,
    bool IsValueType,
    EquatableArray<ColumnSpec> Columns,
    EquatableArray<ConstructorParameterSpec> ConstructorParameters);
