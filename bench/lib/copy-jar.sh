# Sourced by the bench scripts. copy_s3backup_jar JAR DIR: a private copy of JAR in DIR as
# s3backup.jar, with the JIT directives bin/s3backup reads beside it (those beside JAR, else the
# source tree's): a copy without them would measure a slower JVM than users run.
copy_s3backup_jar() {
  local jar=$1 dir=$2 jit
  jit="$(dirname "$jar")/s3backup-jit.json"
  [[ -f $jit ]] || jit="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/cli/src/dist/s3backup-jit.json"
  mkdir -p "$dir"
  cp -p "$jar" "$dir/s3backup.jar"
  cp -p "$jit" "$dir/s3backup-jit.json"
}
