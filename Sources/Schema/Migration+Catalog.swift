/// The migrations shipped in this binary, from the repository's `sql/` folder.
extension Migration {
    /// Every migration in version order. A test checks this list against `sql/` byte for byte;
    /// add a line here when you add a file there (never edit an applied file).
    public static let all: [Migration] = [
        shipped("001_etl.sql", PackageResources._01_etl_sql),
        shipped("002_dw.sql", PackageResources._02_dw_sql),
        shipped("003_dim_date.sql", PackageResources._03_dim_date_sql),
        shipped("004_mart_and_reader.sql", PackageResources._04_mart_and_reader_sql),
        shipped("005_sync_progress.sql", PackageResources._05_sync_progress_sql),
        shipped("006_mart_views.sql", PackageResources._06_mart_views_sql),
        shipped("007_mart_portal.sql", PackageResources._07_mart_portal_sql),
        shipped("008_funnel_speed.sql", PackageResources._08_funnel_speed_sql),
        shipped("009_deferred_index.sql", PackageResources._09_deferred_index_sql),
        shipped("010_access_and_rejects.sql", PackageResources._10_access_and_rejects_sql),
        shipped("011_version_time.sql", PackageResources._11_version_time_sql),
        shipped("012_children_at_scale.sql", PackageResources._12_children_at_scale_sql),
        shipped("013_one_vocabulary.sql", PackageResources._13_one_vocabulary_sql),
        shipped("014_live_funnels.sql", PackageResources._14_live_funnels_sql),
        shipped("015_one_currency.sql", PackageResources._15_one_currency_sql),
        shipped("016_typed_custom_fields.sql", PackageResources._16_typed_custom_fields_sql),
        shipped("017_typed_custom_values.sql", PackageResources._17_typed_custom_values_sql),
        shipped("018_deals.sql", PackageResources._18_deals_sql),
        shipped("019_deal_children.sql", PackageResources._19_deal_children_sql),
        shipped("020_activities.sql", PackageResources._20_activities_sql),
        shipped("021_first_touch.sql", PackageResources._21_first_touch_sql),
        shipped("022_many_portals.sql", PackageResources._22_many_portals_sql),
        shipped("023_oauth_portals.sql", PackageResources._23_oauth_portals_sql),
    ].compactMap { $0 }

    private static func shipped(_ fileName: String, _ bytes: [UInt8]) -> Migration? {
        Migration(fileName: fileName, sql: String(decoding: bytes, as: UTF8.self))
    }
}
