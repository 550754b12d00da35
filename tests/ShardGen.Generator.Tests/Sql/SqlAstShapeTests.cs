using System.Reflection;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Tests.Sql;

/// <summary>
/// The syntax tree sits inside cached incremental-generator models: every type is an immutable value that compares by
/// its contents and holds no Roslyn type.
/// </summary>
public sealed class SqlAstShapeTests
{
    private static readonly Type[] AstTypes = typeof(SqlParser).Assembly.GetTypes()
        .Where(t => t.Namespace == typeof(SqlParser).Namespace)
        .Where(t => typeof(SqlNode).IsAssignableFrom(t) || t == typeof(ParseResult) || t == typeof(SqlProblem) || t == typeof(TextSpan))
        .ToArray();

    public static TheoryData<string> AstTypeNames()
    {
        var data = new TheoryData<string>();
        foreach (var type in AstTypes)
        {
            data.Add(type.Name);
        }

        return data;
    }

    [Fact]
    public void The_tree_types_are_found()
    {
        Assert.Contains(typeof(SelectStatement), AstTypes);
        Assert.Contains(typeof(BinaryExpr), AstTypes);
        Assert.True(AstTypes.Length >= 30);
    }

    [Theory]
    [MemberData(nameof(AstTypeNames))]
    public void A_tree_type_is_an_immutable_value_without_Roslyn_types(string name)
    {
        var type = AstTypes.Single(t => t.Name == name);
        Assert.True(type.IsAbstract || type.IsSealed || type.IsValueType, $"{name} should be sealed");
        Assert.Contains(typeof(IEquatable<>).MakeGenericType(type), type.GetInterfaces());

        foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
        {
            Assert.True(field.IsInitOnly, $"{name}.{field.Name} should be read-only");
            Assert.True(IsValueMember(field.FieldType), $"{name}.{field.Name} is a {field.FieldType}");
        }

        foreach (var property in type.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.DeclaredOnly))
        {
            var setter = property.SetMethod;
            Assert.True(
                setter is null || setter.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.Name == "IsExternalInit"),
                $"{name}.{property.Name} should be get or init only");
        }
    }

    private static bool IsValueMember(Type type)
    {
        if (type.Namespace?.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) == true)
        {
            return false;
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return IsValueMember(underlying);
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(EquatableArray<>))
        {
            return IsValueMember(type.GetGenericArguments()[0]);
        }

        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(Type) || AstTypes.Contains(type);
    }

    [Fact]
    public void Equal_text_gives_equal_trees_even_at_the_depth_limit()
    {
        var sql = "SELECT * FROM t WHERE " + string.Join(" OR ", Enumerable.Range(0, 990).Select(i => $"(a = @p{i})"));
        var first = SqlParser.Parse(sql);
        var second = SqlParser.Parse(sql);
        Assert.NotNull(first.Statement);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
    }
}
