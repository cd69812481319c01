package dev.wallet.edge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through its chromedriver (both installed by scripts/test.sh),
 * with the shortcuts the console's tests need; screenshots go to target/console-screenshots.
 */
final class ConsoleBrowser implements AutoCloseable {

  static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
  private static final String CHROMIUM = System.getenv().getOrDefault("WALLET_CHROMIUM", "/usr/bin/chromium");
  private static final String CHROMEDRIVER = System.getenv().getOrDefault("WALLET_CHROMEDRIVER", "/usr/bin/chromedriver");

  final ChromeDriver driver;
  private final WebDriverWait wait;

  ConsoleBrowser() {
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM)
      // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start
      .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1600");
    ChromeDriverService service = new ChromeDriverService.Builder()
      .usingDriverExecutable(Path.of(CHROMEDRIVER).toFile()).usingAnyFreePort().build();
    driver = new ChromeDriver(service, options);
    wait = new WebDriverWait(driver, Duration.ofSeconds(10));
  }

  void open(String url) {
    driver.get(url);
  }

  void signIn(String base, String token) {
    open(base + "/console/sign-in");
    driver.findElement(By.id("token")).sendKeys(token);
    driver.findElement(By.cssSelector("main form button[type=submit]")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.tagName("h1")));
  }

  /** Sets a text field as a paste would, and lets the page's script see the input. */
  void paste(By field, String text) {
    WebElement element = driver.findElement(field);
    ((JavascriptExecutor) driver).executeScript(
      "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
      element, text);
  }

  void click(By target) {
    driver.findElement(target).click();
  }

  String text(By target) {
    return driver.findElement(target).getText();
  }

  String heading() {
    return text(By.tagName("h1"));
  }

  WebElement await(By target) {
    return wait.until(ExpectedConditions.presenceOfElementLocated(target));
  }

  void awaitText(By target, String text) {
    wait.until(ExpectedConditions.textToBePresentInElementLocated(target, text));
  }

  /** Whether pressing Tab from the top of the page, at most {@code presses} times, focuses {@code target}. */
  boolean reachedByTab(By target, int presses) {
    WebElement wanted = driver.findElement(target);
    ((JavascriptExecutor) driver).executeScript("document.activeElement && document.activeElement.blur();");
    for (int i = 0; i < presses; i++) {
      new org.openqa.selenium.interactions.Actions(driver).sendKeys(org.openqa.selenium.Keys.TAB).perform();
      if (wanted.equals(driver.switchTo().activeElement())) {
        return true;
      }
    }
    return false;
  }

  void screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), SCREENSHOTS.resolve(name + ".png"),
        StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    driver.quit();
  }
}
