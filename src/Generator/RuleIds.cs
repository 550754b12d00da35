namespace ShardGen.Generator;

/// <summary>
/// The IDs of ShardGen's diagnostics, as the parser and planner attach them to the problems they find.
/// The analyzers (src/Analyzers) turn problems into diagnostics with these IDs; the descriptors, messages'
/// titles and severities are in their catalogue, <c>Diagnostics.cs</c>. Never reuse a retired ID.
/// </summary>
internal static class RuleIds
{
    // ---- SG0001-SG0099: the model (attributes, properties)
    public const string KeyNamesNoProperty = "SG0001";
    public const string KeyTypeNotSupported = "SG0002";
    public const string KeyIsNullable = "SG0003";
    public const string SeveralTableAttributes = "SG0004";
    public const string PrimaryKeyWithoutDistributionKey = "SG0005";
    public const string ColocateWithNotDistributed = "SG0006";
    public const string ColocateWithOtherKeyType = "SG0007";
    public const string ColumnTypeNotSupported = "SG0008";
    public const string NoPrimaryKey = "SG0009";
    public const string TypeCannotBeTable = "SG0010";
    public const string NameClash = "SG0011";
    public const string NullablePrimaryKey = "SG0012";
    public const string TableObjectNamesNoProperty = "SG0013";
    public const string TableObjectIsEmpty = "SG0014";
    public const string TableObjectNameNotValid = "SG0015";
    public const string TableObjectNameTaken = "SG0016";
    public const string UniqueWithoutDistributionKey = "SG0017";
    public const string IndexMethodNotSupported = "SG0018";
    public const string ForeignKeyNotSupported = "SG0019";
    public const string ForeignKeyDoesNotMatch = "SG0020";
    public const string ForeignKeyActionNotSupported = "SG0021";
    public const string DefaultNotValid = "SG0022";
    public const string TypeModifierNotValid = "SG0023";

    // ---- SG0100-SG0199: [Query] SQL
    public const string SyntaxError = "SG0100";
    public const string UnsupportedSql = "SG0101";
    public const string UnknownTable = "SG0102";
    public const string UnknownColumn = "SG0103";
    public const string UnknownParameter = "SG0104";
    public const string ParameterTypeMismatch = "SG0105";
    public const string NotColocated = "SG0106";
    public const string JoinNotOnDistributionKey = "SG0107";
    public const string ReferenceOnOuterSide = "SG0108";
    public const string LocalJoinedWithDistributed = "SG0109";
    public const string UpdatesDistributionKey = "SG0110";
    public const string NotCombinable = "SG0111";
    public const string WriteNotRoutable = "SG0112";
    public const string ResultNotMappable = "SG0113";
    public const string MethodNotGenerated = "SG0114";
    public const string UnrelatedKeysEquated = "SG0115";

    // ---- SG0120-SG0139: plans a user should see (informational by default)
    public const string RunsOnAllShards = "SG0120";
    public const string AggregateOrderLimitAfterMerge = "SG0121";
    public const string RowsBroughtToCoordinator = "SG0122";

    // ---- SG0900: ShardGen itself
    public const string InternalError = "SG0900";
}
