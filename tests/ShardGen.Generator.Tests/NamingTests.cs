namespace ShardGen.Generator.Tests;

public sealed class NamingTests
{
    [Theory]
    [InlineData("Order", "orders")]
    [InlineData("Country", "countries")]
    [InlineData("Address", "addresses")]
    [InlineData("OrderItem", "order_items")]
    [InlineData("Plan", "plans")]
    [InlineData("Tenant", "tenants")]
    [InlineData("AppSetting", "app_settings")]
    [InlineData("Box", "boxes")]
    [InlineData("Branch", "branches")]
    [InlineData("Wish", "wishes")]
    [InlineData("Status", "statuses")]
    [InlineData("Day", "days")]
    [InlineData("Key", "keys")]
    [InlineData("Person", "people")]
    [InlineData("SalesPerson", "sales_people")]
    [InlineData("Child", "children")]
    [InlineData("Human", "humans")]
    [InlineData("Metadata", "metadata")]
    [InlineData("HTTPLog", "http_logs")]
    [InlineData("OrderV2", "order_v2s")]
    public void Table_name_is_the_snake_case_plural(string typeName, string expected) =>
        Assert.Equal(expected, Naming.TableName(typeName));

    [Theory]
    [InlineData("TenantId", "tenant_id")]
    [InlineData("Id", "id")]
    [InlineData("ID", "id")]
    [InlineData("CreatedAt", "created_at")]
    [InlineData("HTTPStatus", "http_status")]
    [InlineData("Line1", "line1")]
    [InlineData("Line1Text", "line1_text")]
    [InlineData("Tenant_Id", "tenant_id")]
    [InlineData("already_snake", "already_snake")]
    public void Column_name_is_the_snake_case(string propertyName, string expected) =>
        Assert.Equal(expected, Naming.ColumnName(propertyName));

    [Theory]
    [InlineData("Order", "Orders")]
    [InlineData("Country", "Countries")]
    [InlineData("OrderItem", "OrderItems")]
    [InlineData("Address", "Addresses")]
    [InlineData("order", "Orders")]
    public void Property_name_is_the_PascalCase_plural(string typeName, string expected) =>
        Assert.Equal(expected, Naming.PropertyName(typeName));

    [Theory]
    [InlineData("TenantId", "tenantId")]
    [InlineData("Id", "id")]
    [InlineData("ID", "id")]
    [InlineData("URLPath", "urlPath")]
    [InlineData("already", "already")]
    public void Parameter_names_are_camel_case(string name, string expected) =>
        Assert.Equal(expected, Naming.ToCamelCase(name));

    [Theory]
    [InlineData("event", "@event")]
    [InlineData("class", "@class")]
    [InlineData("tenantId", "tenantId")]
    [InlineData("value", "value")]
    public void Keywords_are_escaped(string name, string expected) =>
        Assert.Equal(expected, Naming.EscapeIdentifier(name));

    [Theory]
    [InlineData("Sample.Shop", "Sample.Shop")]
    [InlineData("my-app.data", "my_app.data")]
    [InlineData("1app", "_1app")]
    [InlineData("Company.class", "Company.@class")]
    [InlineData("a..b", "a._.b")]
    [InlineData("", "ShardGen.Generated")]
    [InlineData(null, "ShardGen.Generated")]
    public void Assembly_name_becomes_a_valid_namespace(string? assemblyName, string expected) =>
        Assert.Equal(expected, Naming.NamespaceOf(assemblyName));

    [Theory]
    [InlineData("orders", "\"orders\"")]
    [InlineData("Order \"Items\"", "\"Order \"\"Items\"\"\"")]
    public void Identifiers_are_always_quoted(string name, string expected) =>
        Assert.Equal(expected, SqlText.Identifier(name));

    [Theory]
    [InlineData("orders", "'orders'")]
    [InlineData("order_items2", "'order_items2'")]
    [InlineData("Orders", "'\"Orders\"'")]
    [InlineData("my.orders", "'\"my.orders\"'")]
    [InlineData("it's", "'\"it''s\"'")]
    public void Table_names_in_Citus_calls_are_regclass_texts(string name, string expected) =>
        Assert.Equal(expected, SqlText.RegclassLiteral(name));
}
