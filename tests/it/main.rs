//! Integration tests: one binary (see `support` for the loopback server and fixtures).

mod anti_noise;
mod channels;
mod cli;
mod daemon_run;
mod desktop;
mod extraction;
mod feeds_cmd;
mod matching;
mod pipeline_e2e;
mod politeness;
mod support;
mod topics_cmd;
