//! Integration tests: one binary (see `support` for the loopback server and fixtures).

mod anti_noise;
mod channels;
mod cli;
mod daemon_run;
mod desktop;
mod everyday;
mod extraction;
mod feeds_cmd;
mod full_disk;
mod matching;
mod pipeline_e2e;
mod politeness;
mod report;
mod support;
mod topics_cmd;
