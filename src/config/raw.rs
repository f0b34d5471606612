//! Raw serde structs mirroring `config.toml` one to one.
//!
//! Every struct denies unknown keys so a misspelt option is an error, not a silent default.
//! Values stay as the user wrote them (strings for durations and URLs); `super::validate`
//! turns them into the typed [`super::Config`].

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub daemon: RawDaemon,
    #[serde(default)]
    pub feeds: Vec<RawFeed>,
    #[serde(default)]
    pub topics: Vec<RawTopic>,
    #[serde(default)]
    pub notify: RawNotify,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDaemon {
    pub poll_interval: Option<String>,
    pub concurrency: Option<i64>,
    pub user_agent: Option<String>,
    pub database: Option<String>,
    pub connect_timeout: Option<String>,
    pub fetch_timeout: Option<String>,
    pub max_feed_size: Option<i64>,
    pub max_page_size: Option<i64>,
    pub fetch_articles: Option<bool>,
    pub notify_existing: Option<bool>,
    pub per_host_concurrency: Option<i64>,
    pub per_host_delay: Option<String>,
    pub keep_articles: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeed {
    pub url: String,
    pub name: Option<String>,
    pub interval: Option<String>,
    pub content_selector: Option<String>,
    #[serde(default)]
    pub remove_selectors: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTopic {
    pub name: String,
    pub query: String,
    pub description: Option<String>,
    pub min_score: Option<f64>,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub feeds: Vec<String>,
    pub urgency: Option<String>,
    pub enabled: Option<bool>,
    pub story_window: Option<String>,
    pub channels: Option<Vec<String>>,
    pub max_per_hour: Option<i64>,
    pub digest: Option<String>,
    pub update_novelty: Option<f64>,
    pub min_update_interval: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNotify {
    pub desktop: Option<bool>,
    pub log: Option<bool>,
    pub app_name: Option<String>,
    pub icon: Option<String>,
    pub expire: Option<String>,
    pub max_per_hour: Option<i64>,
    #[serde(default)]
    pub quiet_hours: Vec<String>,
    #[serde(default)]
    pub opener: Vec<String>,
    #[serde(default)]
    pub channels: Vec<RawChannel>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChannel {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub url: Option<String>,
    pub topic: Option<String>,
    pub token: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub command: Vec<String>,
    pub timeout: Option<String>,
    pub max_attempts: Option<i64>,
}
