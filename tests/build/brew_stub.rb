# brew_stub.rb - just enough of Homebrew's Formula DSL to run a formula's
# install and test blocks on Linux, where there is no Homebrew: the
# formula's recipe is then checked against the real Makefile and tarball.
#
# usage: ruby brew_stub.rb FORMULA.rb PREFIX
# Checks that the url's file has the formula's sha256, unpacks it, runs
# `install` in it with PREFIX as the prefix, then the `test do` block in a
# scratch directory. Prints one "ok - ..." line per step; exits 1 at the
# first failure.
require "digest"
require "fileutils"
require "open3"
require "pathname"
require "tmpdir"

class Formula
  class << self
    attr_reader :f_url, :f_sha256, :f_version, :f_deps, :f_test

    def desc(_) end
    def homepage(_) end
    def url(u) @f_url = u end
    def sha256(s) @f_sha256 = s end
    def version(v) @f_version = v end
    def depends_on(dep) (@f_deps ||= []) << dep end
    def test(&blk) @f_test = blk end
    def inherited(sub) super; $formula = sub end
  end

  attr_reader :prefix, :testpath

  def initialize(prefix, testpath)
    @prefix = Pathname(prefix)
    @testpath = Pathname(testpath)
  end

  def bin() prefix/"bin" end
  def pkgshare() prefix/"share/bindif" end
  def version() self.class.f_version end

  def system(*args)
    ok = Kernel.system(*args)
    raise "failed: #{args.join(' ')}" unless ok
  end

  def shell_output(cmd, status = 0)
    out, st = Open3.capture2(cmd)
    raise "#{cmd}: exit #{st.exitstatus}, not #{status}" unless st.exitstatus == status
    out
  end

  def assert_match(want, got)
    ok = want.is_a?(Regexp) ? want.match?(got) : got.include?(want)
    raise "expected #{want.inspect} in #{got.inspect}" unless ok
  end
end

def step(what)
  yield
  puts "ok - formula: #{what}"
rescue StandardError => e
  puts "not ok - formula: #{what}: #{e.message}"
  exit 1
end

formula_file, prefix = ARGV
load formula_file
f = $formula
tarball = f.f_url.sub(%r{\Afile://}, "")
step("url names a file") { raise f.f_url unless File.file?(tarball) }
step("sha256 is the tarball's") do
  got = Digest::SHA256.file(tarball).hexdigest
  raise "#{got} != #{f.f_sha256}" unless got == f.f_sha256
end
step("depends on c-ares and libconfig") do
  names = f.f_deps.map { |d| d.is_a?(Hash) ? d.keys.first : d }
  missing = %w[c-ares libconfig pkg-config] - names
  raise "missing #{missing}" unless missing.empty?
end
Dir.mktmpdir("bindif-brew") do |work|
  Kernel.system("tar", "-xzf", tarball, "-C", work) or raise "untar"
  src = Dir.glob("#{work}/*").first
  test_dir = File.join(work, "testpath")
  FileUtils.mkdir_p(test_dir)
  inst = f.new(prefix, test_dir)
  step("install builds and installs into the prefix") do
    Dir.chdir(src) { inst.install }
    %w[bin/bindif share/man/man1/bindif.1 share/bindif/examples/everything.conf].each do |p|
      raise "no #{p}" unless File.exist?(File.join(prefix, p))
    end
  end
  step("test do block passes") do
    Dir.chdir(test_dir) { inst.instance_eval(&f.f_test) }
  end
end
