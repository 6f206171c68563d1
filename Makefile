# Developer entry points. Needs only Swift; PostgreSQL comes from apt on first use
# (deploy/dev-cluster.sh ensure-postgres). Scripts are called through bash so a checkout
# without the executable bit still works.
HOST ?= 127.0.0.1
PORT ?= 8080
SWIFT_TEST_FLAGS ?=
FUZZ_EXAMPLES ?= 100
CLUSTER := bash deploy/dev-cluster.sh

.DEFAULT_GOAL := help
.PHONY: help run stop build test test-swift faults interop-tests webhook-tests deploy-tests lint format fuzz fuzz-ci bench clean-local

help:
	@echo 'make run          dev PostgreSQL + migrate + demo seed + admin token, then serve on $(HOST):$(PORT)'
	@echo '                  (override: make run HOST=0.0.0.0 PORT=9090; CLINIC_PG_PORT moves the database)'
	@echo 'make stop         stop the dev PostgreSQL cluster'
	@echo 'make build        swift build'
	@echo 'make test         build and run all tests: the Swift suites, the fault scenarios, the deployment scenarios'
	@echo 'make test-swift   only the Swift suites (SWIFT_TEST_FLAGS="--filter X" to narrow)'
	@echo 'make faults       only the fault scenarios: the server killed, PostgreSQL restarted or stopped under'
	@echo '                  load, SIGTERM, hostile values (FAULTS="stop_10s ..." to narrow)'
	@echo 'make interop-tests HL7 v2 (HTTP and MLLP), FHIR R4 and SMART Scheduling Links read back by hl7apy,'
	@echo '                  fhir.resources (R4) and fhirpy, against a live server (INTEROP="mllp_round_trips ..." to narrow)'
	@echo 'make webhook-tests signed webhooks to a receiver of its own, compared with the change feed, against a'
	@echo '                  live server: event type filter, retries, pause and resume, kill -9, two servers on'
	@echo '                  one database (WEBHOOKS="two_servers_deliver_each_event_once ..." to narrow)'
	@echo 'make deploy-tests two instances behind nginx (TLS) under concurrent bookings, kill -9 and rolling restart;'
	@echo '                  backup/wipe/restore; reports from a streaming replica; a pg_auto_failover failover'
	@echo '                  (DEPLOY_TESTS="report_from_replica ..." to narrow)'
	@echo 'make lint         swift format lint --strict with .swift-format (CI runs it); fails on any difference'
	@echo 'make format       apply .swift-format to Sources, Tests and Package.swift in place'
	@echo 'make fuzz         Schemathesis (pinned, own venv) against a live server on a throwaway clinic_fuzz'
	@echo '                  database, every operation, admin token; fails on any 5xx or off-contract response'
	@echo '                  (FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) per operation; FUZZ_PORT, FUZZ_SEED; logs in .local/fuzz/)'
	@echo 'make fuzz-ci      the same, shorter: FUZZ_EXAMPLES=25'
	@echo 'make bench        every benchmark in one run (release build, dev cluster): reads, availability, new'
	@echo '                  referrals and bookings beside pgbench running the same statements, server memory,'
	@echo '                  the nightly report (REFERRALS, CLINICS, SECONDS_EACH); prints sections for bench/RESULTS.md'
	@echo 'make clean-local  stop the dev cluster and delete .local/'

run:
	CLINIC_HTTP_HOST='$(HOST)' CLINIC_HTTP_PORT='$(PORT)' bash deploy/run-local.sh

stop:
	$(CLUSTER) stop

build:
	swift build

# The Swift test support starts its own throwaway cluster unless CLINIC_TEST_DATABASE_URL
# is set; it only needs the server binaries to exist. The fault scenarios restart and stop
# PostgreSQL, so they run after the Swift suites, each on a cluster of its own; the deployment
# scenarios (nginx, replica, backups, pg_auto_failover) last.
test: test-swift faults interop-tests webhook-tests deploy-tests

test-swift:
	$(CLUSTER) ensure-postgres
	swift build --build-tests
	swift test --skip-build $(SWIFT_TEST_FLAGS)

faults:
	bash Tests/Faults/run.sh

interop-tests:
	bash Tests/Interop/run.sh

webhook-tests:
	bash Tests/Webhooks/run.sh

deploy-tests:
	bash Tests/Deploy/run.sh

# The toolchain's own formatter (`swift format`, Swift 6+), configured by .swift-format.
FORMAT_PATHS := Sources Tests Package.swift

lint:
	swift format lint --strict --recursive --parallel $(FORMAT_PATHS)

format:
	swift format format --in-place --recursive --parallel $(FORMAT_PATHS)

# Uses the dev cluster (started and stopped again if it was down) but its own database, and
# builds nothing unless .build/debug/clinic is missing.
fuzz:
	FUZZ_EXAMPLES='$(FUZZ_EXAMPLES)' bash deploy/fuzz.sh

fuzz-ci:
	FUZZ_EXAMPLES=25 bash deploy/fuzz.sh

bench:
	bash bench/all.sh

clean-local:
	$(CLUSTER) clean
