//! Diesel table definitions, written by hand for both backends (see the migrations).
#![allow(missing_docs)]

diesel::table! {
    projects (id) {
        id -> Text,
        name -> Text,
        ping_key -> Text,
        created_at -> BigInt,
        badge_key -> Nullable<Text>,
        tz -> Text,
        storm_wait_ms -> BigInt,
        storm_interval_ms -> BigInt,
        hours_calendar -> Nullable<Text>,
        availability_target -> Nullable<BigInt>,
        require_second_factor -> Bool,
    }
}

diesel::table! {
    second_factors (user_id) {
        user_id -> Text,
        secret -> Nullable<Text>,
        pending -> Nullable<Text>,
        last_step -> Nullable<BigInt>,
        enabled_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    recovery_codes (user_id, code_hash) {
        user_id -> Text,
        code_hash -> Text,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        project_id -> Text,
        name -> Text,
        prefix -> Text,
        key_hash -> Text,
        read_only -> Bool,
        created_at -> BigInt,
    }
}

diesel::table! {
    monitors (id) {
        id -> Text,
        project_id -> Text,
        name -> Text,
        slug -> Nullable<Text>,
        description -> Text,
        tags -> Text,
        schedule_kind -> Text,
        period_ms -> Nullable<BigInt>,
        cron_expr -> Nullable<Text>,
        tz -> Text,
        grace_ms -> BigInt,
        max_runtime_ms -> Nullable<BigInt>,
        methods -> Text,
        manual_resume -> Bool,
        status -> Text,
        down_reason -> Nullable<Text>,
        last_ping_at -> Nullable<BigInt>,
        last_success_at -> Nullable<BigInt>,
        run_started_at -> Nullable<BigInt>,
        next_due_at -> Nullable<BigInt>,
        deadline_at -> Nullable<BigInt>,
        deadline_kind -> Nullable<Text>,
        last_duration_ms -> Nullable<BigInt>,
        n_pings -> BigInt,
        created_at -> BigInt,
        updated_at -> BigInt,
        rules -> Text,
        fail_streak -> Integer,
        success_streak -> Integer,
        down_detail -> Nullable<Text>,
        warned -> Bool,
        links -> Text,
    }
}

diesel::table! {
    dependencies (monitor_id, upstream_id, kind) {
        monitor_id -> Text,
        upstream_id -> Text,
        kind -> Text,
        within_ms -> BigInt,
    }
}

diesel::table! {
    pings (id) {
        id -> BigInt,
        monitor_id -> Text,
        n -> BigInt,
        kind -> Text,
        exit_status -> Nullable<Integer>,
        created_at -> BigInt,
        rid -> Nullable<Text>,
        method -> Text,
        scheme -> Text,
        remote_addr -> Text,
        user_agent -> Text,
        body -> Binary,
        body_size -> BigInt,
        duration_ms -> Nullable<BigInt>,
    }
}

diesel::table! {
    runs (id) {
        id -> BigInt,
        monitor_id -> Text,
        rid -> Nullable<Text>,
        started_at -> BigInt,
        ended_at -> Nullable<BigInt>,
        outcome -> Nullable<Text>,
        duration_ms -> Nullable<BigInt>,
        exit_status -> Nullable<Integer>,
        steps -> Nullable<Text>,
        active_at -> Nullable<BigInt>,
        progress_done -> Nullable<BigInt>,
        progress_total -> Nullable<BigInt>,
        progress_msg -> Nullable<Text>,
        report -> Nullable<Text>,
        report_error -> Nullable<Text>,
        log_seq -> BigInt,
        log_head_seq -> BigInt,
        log_head_bytes -> BigInt,
        log_tail_bytes -> BigInt,
        log_dropped -> BigInt,
        children_expected -> Nullable<Integer>,
        children_ok -> Integer,
        children_failed -> Integer,
    }
}

diesel::table! {
    run_children (id) {
        id -> BigInt,
        run_id -> BigInt,
        monitor_id -> Text,
        rid -> Nullable<Text>,
        outcome -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    run_logs (id) {
        id -> BigInt,
        run_id -> BigInt,
        seq -> BigInt,
        created_at -> BigInt,
        data -> Binary,
    }
}

diesel::table! {
    flips (id) {
        id -> BigInt,
        monitor_id -> Text,
        created_at -> BigInt,
        from_status -> Text,
        to_status -> Text,
        reason -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    channels (id) {
        id -> Text,
        project_id -> Text,
        name -> Text,
        kind -> Text,
        config -> Text,
        created_at -> BigInt,
        is_default -> Bool,
        is_fallback -> Bool,
    }
}

diesel::table! {
    monitor_channels (monitor_id, channel_id) {
        monitor_id -> Text,
        channel_id -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        project_id -> Nullable<Text>,
        channel_id -> Nullable<Text>,
        monitor_id -> Nullable<Text>,
        event -> Text,
        payload -> Text,
        idempotency_key -> Text,
        created_at -> BigInt,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        done_at -> Nullable<BigInt>,
        alert_id -> Nullable<BigInt>,
        transition -> Nullable<Text>,
        recipient -> Text,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        outbox_id -> BigInt,
        channel_id -> Text,
        attempt -> Integer,
        attempted_at -> BigInt,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
    }
}

diesel::table! {
    service_state (key) {
        key -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    problems (id) {
        id -> BigInt,
        project_id -> Text,
        monitor_id -> Text,
        key -> Text,
        severity -> Text,
        notified -> Nullable<Text>,
        message -> Text,
        details -> Nullable<Text>,
        count -> BigInt,
        first_seen_at -> BigInt,
        last_seen_at -> BigInt,
        resolved_at -> Nullable<BigInt>,
        resolved_by -> Nullable<Text>,
        resolve_at -> Nullable<BigInt>,
        previous_id -> Nullable<BigInt>,
        acknowledged_at -> Nullable<BigInt>,
        acknowledged_by -> Nullable<Text>,
        assignee -> Nullable<Text>,
        note -> Nullable<Text>,
        ticket -> Nullable<Text>,
        muted_until -> Nullable<BigInt>,
        run_id -> Nullable<BigInt>,
        overflow -> Bool,
    }
}

diesel::table! {
    alerts (id) {
        id -> BigInt,
        project_id -> Text,
        monitor_id -> Nullable<Text>,
        channel_id -> Nullable<Text>,
        kind -> Text,
        dedup_key -> Text,
        severity -> Text,
        summary -> Text,
        status -> Text,
        problem_id -> Nullable<BigInt>,
        group_id -> Nullable<BigInt>,
        opened_at -> BigInt,
        acknowledged_at -> Nullable<BigInt>,
        acknowledged_by -> Nullable<Text>,
        ack_note -> Nullable<Text>,
        resolved_at -> Nullable<BigInt>,
        resolved_reason -> Nullable<Text>,
        flow_id -> Nullable<Text>,
    }
}

diesel::table! {
    service_outages (started_at, ended_at) {
        started_at -> BigInt,
        ended_at -> BigInt,
    }
}

diesel::table! {
    ack_tokens (token_hash) {
        token_hash -> Text,
        alert_id -> BigInt,
        channel_id -> Text,
        created_at -> BigInt,
        recipient -> Nullable<Text>,
        alert_ids -> Nullable<Text>,
    }
}

diesel::table! {
    storms (project_id, direction) {
        project_id -> Text,
        direction -> Text,
        last_sent_at -> BigInt,
        batches -> Integer,
        pending_until -> Nullable<BigInt>,
    }
}

diesel::table! {
    storm_members (alert_id, channel_id) {
        alert_id -> BigInt,
        channel_id -> Text,
        payload -> Text,
    }
}

diesel::table! {
    routes (id) {
        id -> Text,
        project_id -> Text,
        position -> Integer,
        name -> Text,
        matcher -> Text,
        active -> Nullable<Text>,
        quiet -> Nullable<Text>,
        digest_at -> Nullable<Text>,
        group_by -> Nullable<Text>,
        group_wait_ms -> Nullable<BigInt>,
        group_interval_ms -> Nullable<BigInt>,
        channels -> Text,
        repeat_every_ms -> Nullable<BigInt>,
        escalate -> Nullable<Text>,
        continue_matching -> Bool,
        escalate_loop -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    alert_timers (id) {
        id -> BigInt,
        alert_id -> BigInt,
        route_id -> Text,
        kind -> Text,
        step -> Integer,
        due_at -> BigInt,
        payload -> Nullable<Text>,
        group_key -> Nullable<Text>,
    }
}

diesel::table! {
    silences (id) {
        id -> Text,
        project_id -> Text,
        matcher -> Text,
        starts_at -> BigInt,
        ends_at -> Nullable<BigInt>,
        recurring -> Nullable<Text>,
        author -> Text,
        comment -> Text,
        created_at -> BigInt,
        ended_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    route_groups (route_id, group_key) {
        route_id -> Text,
        group_key -> Text,
        last_sent_at -> BigInt,
    }
}

diesel::table! {
    page_overflows (id) {
        id -> BigInt,
        project_id -> Text,
        channel_id -> Text,
        dedup_key -> Text,
        opened_at -> BigInt,
        closed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    page_overflow_alerts (overflow_id, alert_id) {
        overflow_id -> BigInt,
        alert_id -> BigInt,
        open -> Bool,
    }
}

diesel::table! {
    flows (id) {
        id -> Text,
        project_id -> Text,
        name -> Text,
        slug -> Text,
        definition -> Text,
        tags -> Text,
        retention_ms -> BigInt,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    flow_entities (flow_id, entity) {
        flow_id -> Text,
        entity -> Text,
        stage -> Text,
        stage_index -> Nullable<Integer>,
        entered_at -> BigInt,
        floor_at -> Nullable<BigInt>,
        due_at -> Nullable<BigInt>,
        breach_alert -> Nullable<BigInt>,
        finished_at -> Nullable<BigInt>,
        updated_at -> BigInt,
        attributes -> Nullable<Text>,
    }
}

diesel::table! {
    flow_events (id) {
        id -> BigInt,
        flow_id -> Text,
        entity -> Text,
        stage -> Text,
        at -> BigInt,
        received_at -> BigInt,
        applied -> Bool,
    }
}

diesel::table! {
    calendars (id) {
        id -> Text,
        project_id -> Text,
        name -> Text,
        definition -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    report_tallies (project_id, bucket, subject, metric) {
        project_id -> Text,
        bucket -> BigInt,
        subject -> Text,
        metric -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    report_project (project_id, bucket, metric) {
        project_id -> Text,
        bucket -> BigInt,
        metric -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    report_months (project_id, month, subject, metric) {
        project_id -> Text,
        month -> BigInt,
        subject -> Text,
        metric -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    flow_stats (flow_id, stage, metric, bucket) {
        flow_id -> Text,
        stage -> Text,
        metric -> Text,
        bucket -> BigInt,
        n -> BigInt,
    }
}

diesel::table! {
    flow_aggregates (flow_id, stage) {
        flow_id -> Text,
        stage -> Text,
        alert_id -> BigInt,
        below_since -> Nullable<BigInt>,
        check_at -> BigInt,
    }
}

diesel::table! {
    flow_kept_aside (id) {
        id -> BigInt,
        project_id -> Text,
        flow_id -> Nullable<Text>,
        source -> Text,
        reason -> Text,
        raw -> Text,
        size -> BigInt,
        received_at -> BigInt,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        project_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        at -> BigInt,
        actor -> Text,
        address -> Text,
        action -> Text,
        object -> Text,
        object_id -> Nullable<Text>,
        fields -> Text,
    }
}

diesel::table! {
    flow_seen (flow_id, message_id) {
        flow_id -> Text,
        message_id -> Text,
        seen_at -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    audit_events,
    project_limits,
    passkeys,
    passkey_challenges,
    sso_identities,
    sso_logins,
    second_factors,
    recovery_codes,
    setup_links,
    status_pages,
    report_mails,
    report_tallies,
    report_project,
    report_months,
    flow_kept_aside,
    flow_seen,
    status_keys,
    flow_stats,
    flow_aggregates,
    calendars,
    flows,
    flow_entities,
    flow_events,
    page_overflows,
    page_overflow_alerts,
    alerts,
    route_groups,
    storms,
    storm_members,
    silences,
    routes,
    alert_timers,
    ack_tokens,
    service_outages,
    projects,
    api_keys,
    monitors,
    pings,
    runs,
    flips,
    channels,
    monitor_channels,
    outbox,
    deliveries,
    service_state,
    users,
    memberships,
    sessions,
    invitations,
    password_resets,
    leases,
    run_logs,
    dependencies,
    run_children,
    chain_members,
    problems,
    monitor_refs
);

diesel::table! {
    status_keys (key) {
        key -> Text,
        monitor_id -> Text,
        status -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    monitor_refs (public_ref) {
        public_ref -> Text,
        monitor_id -> Text,
    }
}

diesel::table! {
    chain_members (chain_id, monitor_id) {
        chain_id -> Text,
        monitor_id -> Text,
        position -> Integer,
    }
}

diesel::table! {
    leases (monitor_id) {
        monitor_id -> Text,
        rid -> Text,
        token -> BigInt,
        ttl_ms -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    invitations (token_hash) {
        token_hash -> Text,
        project_id -> Text,
        email -> Text,
        role -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        accepted_at -> Nullable<BigInt>,
        id -> Nullable<Text>,
        invited_by -> Nullable<Text>,
    }
}

diesel::table! {
    password_resets (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    memberships (project_id, user_id) {
        project_id -> Text,
        user_id -> Text,
        role -> Text,
        created_at -> BigInt,
        from_group -> Bool,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        csrf_token -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    auth_attempts (bucket) {
        bucket -> Text,
        attempts -> BigInt,
        window_start -> BigInt,
    }
}

diesel::table! {
    address_confirmations (token_hash) {
        token_hash -> Text,
        email -> Text,
        invitation_hash -> Nullable<Text>,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    report_mails (project_id) {
        project_id -> Text,
        every -> Text,
        recipients -> Text,
        at_minute -> Integer,
        due_at -> BigInt,
    }
}

diesel::table! {
    status_pages (id) {
        id -> Text,
        project_id -> Text,
        key -> Text,
        title -> Text,
        scope -> Text,
        aliases -> Text,
        hidden -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    passkeys (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        credential -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    passkey_challenges (id_hash) {
        id_hash -> Text,
        user_id -> Text,
        kind -> Text,
        state -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    project_limits (project_id) {
        project_id -> Text,
        max_monitors -> Nullable<BigInt>,
        max_streams -> Nullable<BigInt>,
        updated_at -> BigInt,
        max_channels -> Nullable<BigInt>,
        max_flows -> Nullable<BigInt>,
        max_events_per_second -> Nullable<BigInt>,
    }
}

diesel::table! {
    sso_identities (issuer, subject) {
        issuer -> Text,
        subject -> Text,
        user_id -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    sso_logins (state_hash) {
        state_hash -> Text,
        nonce -> Text,
        verifier -> Text,
        user_id -> Nullable<Text>,
        expires_at -> BigInt,
    }
}

diesel::table! {
    setup_links (token_hash) {
        token_hash -> Text,
        created_at -> BigInt,
    }
}
